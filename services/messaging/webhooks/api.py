"""HTTP routes of outbound webhooks: subscriptions (admin), their deliveries and replays."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from services.messaging.config import Settings
from services.messaging.webhooks import service
from services.messaging.webhooks.errors import (
    DeliveryNotFound,
    SubscriptionInactive,
    SubscriptionNotFound,
    WebhookUrlRefused,
)
from services.messaging.webhooks.schemas import (
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    DeliveryStatus,
    NoBody,
    SubscriptionDeleted,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    SubscriptionPatch,
    SubscriptionWithSecret,
)
from shared.auth import require_roles
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/webhook-subscriptions", tags=["webhooks"])
_admin = require_roles()
Admin = Annotated[Principal, Depends(_admin)]
SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id")]
DeliveryId = Annotated[uuid.UUID, Path(description="The delivery's id (its `webhook-id`)")]
PageCursor = Annotated[Cursor | None, Query(description="`next_cursor` of the previous page")]

NOT_FOUND = problem(SubscriptionNotFound("No webhook subscription with id 5b1f0c7e-…"))
URL_REFUSED = problem(
    WebhookUrlRefused("url must use https in production"),
    description="`webhook-url-refused` naming `url`; an unknown event type is a 422 naming "
    "`event_types.<i>`",
)
SECRET_ONCE = " The answer is the only one showing the `secret`: keep it."


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Configured = Annotated[Settings, Depends(_settings)]


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionWithSecret,
    summary="Subscribe a URL to event types",
    description=(
        "Admin. Every event of the named types that messaging consumes from now on is "
        "POSTed to `url` as CloudEvents JSON, signed per Standard Webhooks with the new "
        "secret (docs/security.md)." + SECRET_ONCE + " The `Idempotency-Key` header is "
        "required: a retry with the same key gets the first answer (and the same secret) "
        "instead of a second subscription."
    ),
    responses={**URL_REFUSED, **openapi_conflict()},
)
async def create_subscription(
    body: SubscriptionIn,
    session: Session,
    cipher: Cipher,
    settings: Configured,
    _: Admin,
    idempotent: Annotated[IdempotentPost, Depends(Idempotent(_admin, example="crm-hook-1"))],
) -> JSONResponse:
    async def create() -> SubscriptionWithSecret:
        return await service.create(session, cipher, settings, body)

    answer = await idempotent.run(body, create)
    return answer.response(location=f"/webhook-subscriptions/{answer.body['id']}")


@router.get(
    "",
    response_model=SubscriptionPage,
    summary="List webhook subscriptions",
    description="Admin. In creation order, `limit` at a time; secrets are never listed.",
)
async def list_subscriptions(
    session: Session,
    _: Admin,
    limit: Annotated[PageSize, Query(description="Subscriptions per page")] = 50,
    cursor: PageCursor = None,
) -> SubscriptionPage:
    return await service.page(session, limit, cursor)


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    summary="A webhook subscription",
    description="Admin. With why it was disabled, if it was.",
    responses=NOT_FOUND,
)
async def get_subscription(
    subscription_id: SubscriptionId, session: Session, _: Admin
) -> SubscriptionOut:
    return await service.get(session, subscription_id)


@router.patch(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    summary="Change a subscription's URL, event types or state",
    description=(
        "Admin. A merge patch; the same values again change nothing. `active: false` stops "
        "its deliveries (they wait, pending); `active: true` resumes them and forgets the "
        "failures that disabled it."
    ),
    responses={**NOT_FOUND, **URL_REFUSED},
)
async def update_subscription(
    subscription_id: SubscriptionId,
    body: SubscriptionPatch,
    session: Session,
    settings: Configured,
    _: Admin,
) -> SubscriptionOut:
    return await service.update(session, settings, subscription_id, body)


@router.delete(
    "/{subscription_id}",
    response_model=SubscriptionDeleted,
    summary="Delete a subscription",
    description="Admin. With its deliveries and their log. A repeat is 404.",
    responses=NOT_FOUND,
)
async def delete_subscription(
    subscription_id: SubscriptionId, session: Session, _: Admin
) -> SubscriptionDeleted:
    return await service.delete(session, subscription_id)


@router.post(
    "/{subscription_id}/rotate-secret",
    response_model=SubscriptionWithSecret,
    summary="Rotate a subscription's signing secret",
    description=(
        "Admin. A new secret signs from now on; the previous one signs beside it (two "
        "signatures in `webhook-signature`) until `previous_secret_until` "
        "(`webhook_rotation_grace_hours`, 24 h by default)." + SECRET_ONCE + " The "
        "`Idempotency-Key` header is required: a retry gets the first answer instead of "
        "rotating again, which would drop the secret the receiver still uses."
    ),
    responses={**NOT_FOUND, **openapi_conflict()},
)
async def rotate_secret(
    subscription_id: SubscriptionId,
    session: Session,
    cipher: Cipher,
    settings: Configured,
    _: Admin,
    idempotent: Annotated[IdempotentPost, Depends(Idempotent(_admin, example="rotate-2026-11"))],
) -> JSONResponse:
    async def rotate() -> SubscriptionWithSecret:
        return await service.rotate_secret(session, cipher, settings, subscription_id)

    path = {"subscription_id": str(subscription_id)}
    answer = await idempotent.run(NoBody(), rotate, path=path, status=200)
    return answer.response()


@router.get(
    "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    summary="A subscription's deliveries, newest first",
    description="Admin. `status` keeps one status; `limit` at a time.",
    responses=NOT_FOUND,
)
async def list_deliveries(
    subscription_id: SubscriptionId,
    session: Session,
    _: Admin,
    status: Annotated[
        DeliveryStatus | None, Query(description="Only deliveries in this status")
    ] = None,
    limit: Annotated[PageSize, Query(description="Deliveries per page")] = 50,
    cursor: PageCursor = None,
) -> DeliveryPage:
    return await service.deliveries(session, subscription_id, status, limit, cursor)


DELIVERY_NOT_FOUND = problem(DeliveryNotFound("Subscription 5b1f0c7e-… has no delivery 9e8d…"))


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="A delivery with its attempts",
    description="Admin. Each attempt's status code, duration, error and response snippet.",
    responses=DELIVERY_NOT_FOUND,
)
async def get_delivery(
    subscription_id: SubscriptionId, delivery_id: DeliveryId, session: Session, _: Admin
) -> DeliveryDetail:
    return await service.delivery(session, subscription_id, delivery_id)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    summary="Send a delivery again",
    description=(
        "Admin. Due now, with a fresh count of attempts and the same `webhook-id` (a "
        "receiver that has it already can tell), delivered or failed alike. The "
        "`Idempotency-Key` header is optional: a repeat only sends the same `webhook-id` "
        "again."
    ),
    responses={
        **DELIVERY_NOT_FOUND,
        **openapi_conflict(SubscriptionInactive("Subscription 5b1f0c7e-… is inactive")),
    },
)
async def replay_delivery(
    subscription_id: SubscriptionId,
    delivery_id: DeliveryId,
    session: Session,
    _: Admin,
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_admin, required=False, example="replay-1"))
    ],
) -> JSONResponse:
    async def replay() -> DeliveryOut:
        return await service.replay(session, subscription_id, delivery_id)

    path = {"subscription_id": str(subscription_id), "delivery_id": str(delivery_id)}
    answer = await idempotent.run(NoBody(), replay, path=path, status=200)
    return answer.response()

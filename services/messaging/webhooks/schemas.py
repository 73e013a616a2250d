"""Request and response bodies of the webhooks API.

A subscription names 1 to 100 event types, each one Huiyuan publishes (docs/events.md);
an unknown one is refused at its place in the list (``body.event_types.<i>``). Its secret
appears only in the answers of ``POST /webhook-subscriptions`` and of ``rotate-secret``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic_core import PydanticCustomError

from services.messaging.webhooks.domain import MAX_URL_LENGTH
from shared.events import EVENT_TYPES
from shared.inputs import SingleLine

DeliveryStatus = Literal["pending", "delivered", "failed"]


def _known(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise PydanticCustomError(
            "event_type", "is not an event type Huiyuan publishes (see docs/events.md)"
        )
    return event_type


EventType = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        json_schema_extra={"enum": sorted(EVENT_TYPES)},
        examples=["loyalty.points.earned"],
    ),
    AfterValidator(_known),
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=100)]
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        description="Where deliveries are POSTed: http(s), printable ASCII (an international "
        "domain name in its xn-- form); production refuses http and local or private hosts",
    ),
]
Description = Annotated[str, SingleLine(500)]

SUBSCRIPTION_ID = "5b1f0c7e-2d4a-4b8e-9c3f-6a7d8e9f0a1b"
DELIVERY_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw8vLbvJ1d2Jg="


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://crm.example.com/hooks/huiyuan",
                    "event_types": ["loyalty.points.earned", "loyalty.tier.changed"],
                    "description": "CRM: points and tiers",
                }
            ]
        },
    )

    url: Url
    event_types: EventTypes
    description: Description | None = None


class SubscriptionPatch(BaseModel):
    """A merge patch: a field left out stays; ``description: null`` removes it.
    ``active: true`` re-enables a subscription disabled after failing."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"event_types": ["loyalty.points.earned"], "active": True}]
        },
    )

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    active: bool | None = None


_SUBSCRIPTION: dict[str, JsonValue] = {
    "id": SUBSCRIPTION_ID,
    "url": "https://crm.example.com/hooks/huiyuan",
    "event_types": ["loyalty.points.earned", "loyalty.tier.changed"],
    "description": "CRM: points and tiers",
    "active": True,
    "disabled_reason": None,
    "failing_since": None,
    "previous_secret_until": None,
    "created_at": "2026-11-30T14:00:00Z",
    "updated_at": "2026-11-30T14:00:00Z",
}


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_SUBSCRIPTION]})

    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    disabled_reason: str | None = Field(description="Why it was disabled; null when active")
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last success (UTC); null while it succeeds"
    )
    previous_secret_until: datetime | None = Field(
        description="Until when the rotated-out secret still signs (UTC); null if none"
    )
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(SubscriptionOut):
    """A new subscription, or one whose secret was rotated: the only answers showing it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUBSCRIPTION | {"secret": SECRET}]})

    secret: str = Field(
        description="The signing secret (`whsec_` and base64): shown this once, keep it"
    )


class SubscriptionPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_SUBSCRIPTION], "next_cursor": None}]}
    )

    items: list[SubscriptionOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null if none came")
    duration_ms: int = Field(description="From sending to the answer, in milliseconds")
    error: str | None
    response_snippet: str | None = Field(description="The answer's first 500 characters")


_DELIVERY: dict[str, JsonValue] = {
    "id": DELIVERY_ID,
    "subscription_id": SUBSCRIPTION_ID,
    "event_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
    "event_type": "loyalty.points.earned",
    "status": "failed",
    "attempts": 10,
    "next_attempt_at": None,
    "last_status_code": 500,
    "last_error": "HTTP 500",
    "created_at": "2026-11-30T14:00:02Z",
    "delivered_at": None,
}


class DeliveryOut(BaseModel):
    """One event for one subscription; its ``id`` is the ``webhook-id`` header."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_DELIVERY]})

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(
        description="When it is tried next (UTC); null unless pending"
    )
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @model_validator(mode="after")
    def _no_next_attempt_unless_pending(self) -> DeliveryOut:
        if self.status != "pending":
            self.next_attempt_at = None
        return self


class DeliveryDetail(DeliveryOut):
    """A delivery with the log of its attempts, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _DELIVERY
                | {
                    "attempt_log": [
                        {
                            "attempted_at": "2026-11-30T14:00:03Z",
                            "status_code": 500,
                            "duration_ms": 41,
                            "error": "HTTP 500",
                            "response_snippet": "Internal Server Error",
                        }
                    ]
                }
            ]
        }
    )

    attempt_log: list[AttemptOut]


class DeliveryPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_DELIVERY], "next_cursor": None}]}
    )

    items: list[DeliveryOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class SubscriptionDeleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": SUBSCRIPTION_ID}]})

    id: uuid.UUID


class NoBody(BaseModel):
    """A POST whose path says everything (a rotation, a replay)."""

    model_config = ConfigDict(extra="forbid")

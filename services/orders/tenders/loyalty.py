"""Orders' synchronous client of loyalty's reservations (积分抵现) and of a member's tier
benefits, over HTTP (``shared.http``, aiohttp).

A till asks orders (with its store key) and orders asks loyalty with a short-lived
service token naming itself, the store in the body: loyalty never sees store keys. Every
call carries an ``Idempotency-Key``, derived from what it does so that a retry is
answered as the first call was (a commit's is new per call, see :meth:`Loyalty.commit`);
every call has a timeout (``loyalty_timeout_seconds``). The app keeps one client, and so
one pool of connections to loyalty, for its lifetime (:func:`connected`, a resource of
orders' spec), closed at shutdown.

Loyalty not answering (refused connection, timeout, 5xx, or still busy with the same
call) raises :class:`LoyaltyUnavailable` (503 with ``Retry-After``); a refusal of points
(4xx) raises :class:`PointsRefused` (422), of a coupon :class:`CouponRefused` (422), with
loyalty's problem type as ``cause`` and its words as ``detail``; a read of benefits
loyalty has no account for raises :class:`BenefitsNotFound` (404) the same way. Reads
carry no ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request

from services.orders.config import Settings
from services.orders.tenders.errors import (
    BenefitsNotFound,
    CouponRefused,
    DepositRefused,
    LoyaltyUnavailable,
    PointsRefused,
)
from shared.http import TRANSPORT_ERRORS, Answer, Client
from shared.jwks import TokenSigner
from shared.keys import ORDERS_ISSUER
from shared.openapi import ResponsesDoc, problem
from shared.settings import BaseServiceSettings
from shared.tokens import issue_token

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
RESOURCE = "loyalty"
"""The client's name among the app's resources."""
KEEPALIVE_SECONDS = 2.0
"""How long an idle connection is kept: shorter than the server's keep-alive (uvicorn's
is 5 s), so a call never goes out on a connection loyalty is closing at that moment."""
_BUSY = "urn:huiyuan:problem:request-in-progress"
_NOTHING_SPENT = "no points were spent; retry shortly, or take the sale without points"
_NO_COUPON = "no coupon was used; retry shortly, or take the sale without the coupon"
_NOTHING_READ = "retry shortly, or serve the member without their tier's benefits"
_NO_PRICES = "retry shortly, or take the sale without a coupon"
_NO_DEPOSIT = "nothing was paid in; retry with the same Idempotency-Key"
_SALE_NOT_RECORDED = (
    "the sale was not recorded, and nothing it used at loyalty was spent or redeemed, though "
    "its points, stored value or coupon may stay held for its receipt number until loyalty "
    "gives them back (after the till policy's grace at the latest); retry shortly, or take "
    "the sale without them"
)
"""A commit of a sale's points, stored value or coupon got no answer: loyalty may have
made it, and orders' undo may not reach loyalty either. A sale recorded later under the
receipt number redeems only the coupons it names (``coupon_reservations`` of its event) and
confirms only the reservations its tenders name (their ``reservation_id``)."""


def _unavailable_doc(consequence: str, when: str) -> ResponsesDoc:
    """The OpenAPI entry of a route that calls loyalty ``when`` (e.g. "a sale with
    points"), whose 503 detail ends with ``consequence``."""
    doc = problem(
        503,
        f"loyalty did not answer (ConnectError): {consequence}",
        f"{LoyaltyUnavailable.title} ({when}), or the database",
    )
    doc[503]["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before retrying",
            "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
        }
    }
    return doc


UNAVAILABLE_DOC = _unavailable_doc(_NOTHING_SPENT, "a hold of points or stored value")
"""The OpenAPI entry of a route that holds or releases points or stored value at loyalty."""
SALE_UNAVAILABLE_DOC = _unavailable_doc(
    _SALE_NOT_RECORDED, "a sale with points, stored value or a held coupon"
)
"""The OpenAPI entry of a route that records a sale, committing what it uses at loyalty."""
COUPON_UNAVAILABLE_DOC = _unavailable_doc(_NO_COUPON, "a hold of a coupon")
"""The OpenAPI entry of a route that holds or releases a coupon at loyalty."""
VALIDATION_UNAVAILABLE_DOC = _unavailable_doc(_NO_PRICES, "a basket's coupons")
"""The OpenAPI entry of a route that prices a basket with a member's coupons at loyalty."""
DEPOSIT_UNAVAILABLE_DOC = _unavailable_doc(_NO_DEPOSIT, "a deposit into a wallet")
"""The OpenAPI entry of a route that pays money into a member's wallet at loyalty."""
BENEFITS_UNAVAILABLE_DOC = _unavailable_doc(_NOTHING_READ, "a member's benefits")
"""The OpenAPI entry of a route that reads a member's benefits from loyalty."""


_TOKEN_TTL = timedelta(minutes=5)
_TOKEN_MARGIN = timedelta(minutes=1)


class Loyalty:
    """Loyalty's reservations and members' benefits, as orders calls them, over ``http``
    (a client whose base URL is loyalty's; see :func:`connected`)."""

    def __init__(self, settings: Settings, http: Client) -> None:
        self.http = http
        self._signer = TokenSigner.of(settings, ORDERS_ISSUER)
        self._token = ""
        self._renew_at = 0.0

    def _bearer(self) -> str:
        """Orders' service token for loyalty, signed with orders' own key (published in its
        JWKS): no call to another service on the till's path, and the key can sign nothing
        but this role. One token serves every call until a minute before it expires, so
        loyalty checks its signature once (then remembers it) instead of once a sale."""
        now = time.monotonic()
        if now >= self._renew_at:
            self._token = issue_token(
                self._signer, subject="orders", role="service", ttl=_TOKEN_TTL
            )
            self._renew_at = now + (_TOKEN_TTL - _TOKEN_MARGIN).total_seconds()
        return self._token

    async def reserve(self, body: dict[str, Any], key: str, *, field: str) -> dict[str, Any]:
        """Holds points for a sale in progress (loyalty's ``POST /reservations``); ``field``
        names the asked points for a refusal."""
        return await self._post("/reservations", body, key, field=field)

    async def commit(
        self, reservation_id: uuid.UUID, body: dict[str, Any], *, field: str
    ) -> dict[str, Any]:
        """Makes the reservation sale ``body["purchase_id"]``'s; ``field`` names the
        tender in the sale for a refusal.

        The key is new for every call: loyalty answers a commit to the same sale as before
        from the reservation itself, while an answer stored under a key would outlive an
        undo (the release of a sale that failed after the commit), and a retry of that
        sale, with the same id, must be refused then, not told its points are committed.
        """
        key = f"commit-{reservation_id}-{uuid.uuid4().hex}"
        path = f"/reservations/{reservation_id}/commit"
        return await self._post(path, body, key, field=field, unanswered=_SALE_NOT_RECORDED)

    async def release(
        self, reservation_id: uuid.UUID, body: dict[str, Any], key: str
    ) -> dict[str, Any]:
        """Gives the reservation's points back (loyalty's ``.../release``)."""
        return await self._post(f"/reservations/{reservation_id}/release", body, key)

    async def deposit(self, member_id: uuid.UUID, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Pays money into the member's wallet (loyalty's ``.../wallet/deposits``)."""
        path = f"/members/{member_id}/wallet/deposits"
        return await self._post(path, body, key, field="amount_fen", deposit=True)

    async def hold_coupon(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Holds a member's coupon for a sale in progress (loyalty's
        ``POST /coupon-reservations``)."""
        return await self._post("/coupon-reservations", body, key, field="code", coupon=True)

    async def validate_coupons(self, basket: dict[str, Any]) -> dict[str, Any]:
        """The member's coupons priced on the basket (loyalty's ``POST /coupons/validate``,
        a read); a refusal (no such member at loyalty, a basket it refuses) raises
        :class:`CouponRefused` with loyalty's type as ``cause``."""
        response, answer = await self._send(
            "POST", "/coupons/validate", json=basket, consequence=_NO_PRICES
        )
        if response.status >= 300:
            raise CouponRefused(
                str(answer.get("detail") or f"loyalty refused the basket ({response.status})"),
                cause=answer.get("type"),
            )
        return answer

    async def coupon_reservation(self, reservation_id: uuid.UUID, *, field: str) -> dict[str, Any]:
        """A held coupon as loyalty priced it; one loyalty does not know raises
        :class:`CouponRefused` naming ``field``."""
        response, answer = await self._send(
            "GET", f"/coupon-reservations/{reservation_id}", consequence=_NO_COUPON
        )
        if response.status >= 300:
            raise CouponRefused(
                str(answer.get("detail") or f"no coupon reservation {reservation_id}"),
                field=field,
                cause=answer.get("type"),
            )
        return answer

    async def commit_coupon(
        self, reservation_id: uuid.UUID, body: dict[str, Any], *, field: str
    ) -> dict[str, Any]:
        """Makes the held coupon sale ``body["purchase_id"]``'s; a new key per call, for
        the reason :meth:`commit` gives."""
        key = f"coupon-commit-{reservation_id}-{uuid.uuid4().hex}"
        path = f"/coupon-reservations/{reservation_id}/commit"
        return await self._post(
            path, body, key, field=field, coupon=True, unanswered=_SALE_NOT_RECORDED
        )

    async def release_coupon(
        self, reservation_id: uuid.UUID, body: dict[str, Any], key: str
    ) -> dict[str, Any]:
        """Gives the held coupon back (loyalty's ``.../release``)."""
        path = f"/coupon-reservations/{reservation_id}/release"
        return await self._post(path, body, key, coupon=True)

    async def benefits(self, member_id: uuid.UUID) -> dict[str, Any]:
        """What the member's tier gives them now (loyalty's ``GET /members/{id}/benefits``).

        Raises :class:`LoyaltyUnavailable` (503) and :class:`BenefitsNotFound` (404, loyalty
        has no account for the member; ``cause`` is loyalty's problem type)."""
        response, answer = await self._send(
            "GET", f"/members/{member_id}/benefits", consequence=_NOTHING_READ
        )
        if response.status == 404:
            raise BenefitsNotFound(
                str(answer.get("detail") or f"loyalty has no account for member {member_id}"),
                cause=answer.get("type"),
            )
        if response.status >= 300:
            # the path and the token are orders' own: any other refusal is loyalty or its
            # configuration at fault, not the till's request
            log.warning("loyalty answered GET benefits with %d", response.status)
            raise _unavailable(f"loyalty answered {response.status}", _NOTHING_READ)
        return answer

    async def _post(
        self,
        path: str,
        body: dict[str, Any],
        key: str,
        *,
        field: str | None = None,
        coupon: bool = False,
        deposit: bool = False,
        unanswered: str | None = None,
    ) -> dict[str, Any]:
        """Loyalty's answer; a refusal raises :class:`CouponRefused` (``coupon``),
        :class:`DepositRefused` (``deposit``) or :class:`PointsRefused`; no answer
        :class:`LoyaltyUnavailable`, whose detail ends with ``unanswered`` if given (else
        with what the kind of call leaves undone)."""
        consequence = unanswered or (
            _NO_COUPON if coupon else _NO_DEPOSIT if deposit else _NOTHING_SPENT
        )
        response, answer = await self._send(
            "POST", path, json=body, key=key, consequence=consequence
        )
        if response.status < 300:
            return answer
        refused = CouponRefused if coupon else DepositRefused if deposit else PointsRefused
        what = "coupon" if coupon else "deposit" if deposit else "points"
        raise refused(
            str(answer.get("detail") or f"loyalty refused the {what} ({response.status})"),
            field=field,
            cause=answer.get("type"),
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        consequence: str,
        json: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> tuple[Answer, dict[str, Any]]:
        """Loyalty's answer and its JSON body (``{}`` if none), unless it is unavailable:
        not answering, a 5xx, or still busy with the same call raise
        :class:`LoyaltyUnavailable` whose detail ends with ``consequence``."""
        headers = {"Authorization": f"Bearer {self._bearer()}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        try:
            response = await self.http.request(method, path, json=json, headers=headers)
        except TRANSPORT_ERRORS as failed:
            log.warning("loyalty did not answer %s %s: %r", method, path, failed)
            why = f"loyalty did not answer ({type(failed).__name__})"
            raise _unavailable(why, consequence) from failed
        answer = response.json_object()
        if response.status >= 500 or answer.get("type") == _BUSY:
            log.warning("loyalty answered %s %s with %d", method, path, response.status)
            raise _unavailable(f"loyalty answered {response.status}", consequence)
        return response, answer


def _unavailable(why: str, consequence: str) -> LoyaltyUnavailable:
    return LoyaltyUnavailable(
        f"{why}: {consequence}", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


@asynccontextmanager
async def connected(settings: BaseServiceSettings) -> AsyncIterator[Loyalty]:
    """Loyalty's client with a pool of connections of its own, closed on leaving."""
    if not isinstance(settings, Settings):
        raise TypeError("orders' loyalty client needs orders Settings")
    http = Client(
        base_url=settings.loyalty_url,
        timeout_seconds=settings.loyalty_timeout_seconds,
        keepalive_seconds=KEEPALIVE_SECONDS,
    )
    try:
        yield Loyalty(settings, http)
    finally:
        await http.close()


async def loyalty_client(request: Request) -> Loyalty:
    """A FastAPI dependency: the app's client (one for its lifetime); async so that FastAPI
    calls it in the event loop, not its thread pool."""
    client = request.app.state.runtime.resources.get(RESOURCE)
    if not isinstance(client, Loyalty):
        raise TypeError("orders' loyalty client is opened by the app's lifespan")
    return client


LoyaltyClient = Annotated[Loyalty, Depends(loyalty_client)]

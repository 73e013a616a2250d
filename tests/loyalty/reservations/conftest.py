"""Helpers for points at the till: a reservation over HTTP, a sale's events with a points
tender."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from shared.events import CloudEvent
from shared.events.orders import (
    PurchaseCompleted,
    PurchaseLine,
    PurchaseReturned,
    PurchaseVoided,
    Receipt,
    ReturnedLine,
    TenderPaid,
    TenderRefund,
)
from tests.loyalty.conftest import key
from tests.stack import staff_headers

STORE = uuid.UUID("6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10")
SERVICE = staff_headers("service")
TenderKind = Literal["points", "stored_value"]


async def reserve(
    client: httpx.AsyncClient, member_id: uuid.UUID, total_fen: int, **asked: int | str
) -> httpx.Response:
    body: dict[str, Any] = {
        "member_id": str(member_id),
        "store_id": str(STORE),
        "sale_ref": "R-1",
        "sale_total_fen": total_fen,
        **asked,
    }
    return await client.post("/reservations", json=body, headers=SERVICE | key())


async def held(
    client: httpx.AsyncClient, member_id: uuid.UUID, total_fen: int, **asked: int | str
) -> dict[str, Any]:
    response = await reserve(client, member_id, total_fen, **asked)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def commit(
    client: httpx.AsyncClient,
    reservation: dict[str, Any],
    purchase_id: uuid.UUID,
    total_fen: int,
    **changes: Any,
) -> httpx.Response:
    body = {
        "store_id": str(STORE),
        "member_id": reservation["member_id"],
        "purchase_id": str(purchase_id),
        "amount_fen": reservation["amount_fen"],
        "sale_total_fen": total_fen,
        **changes,
    }
    return await client.post(
        f"/reservations/{reservation['reservation_id']}/commit", json=body, headers=SERVICE | key()
    )


async def release(
    client: httpx.AsyncClient,
    reservation_id: str,
    purchase_id: uuid.UUID | None = None,
    attempt: uuid.UUID | None = None,
) -> httpx.Response:
    body = {
        "store_id": str(STORE),
        "purchase_id": None if purchase_id is None else str(purchase_id),
        "attempt_id": None if attempt is None else str(attempt),
    }
    return await client.post(
        f"/reservations/{reservation_id}/release", json=body, headers=SERVICE | key()
    )


def sale_event(
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    total_fen: int,
    points_fen: int,
    tender: TenderKind = "points",
    reservation: str | None = None,
) -> CloudEvent:
    """A sale paying ``points_fen`` with ``tender`` (points or stored value), the rest by
    card. The tender names ``reservation``; None: an event from before tenders named their
    reservation, which lacks the field."""
    named = None if reservation is None else uuid.UUID(reservation)
    tenders = [
        TenderPaid(
            kind=tender, amount_fen=points_fen, tendered_fen=points_fen, reservation_id=named
        )
    ]
    if total_fen > points_fen:
        rest = total_fen - points_fen
        tenders.append(TenderPaid(kind="card", amount_fen=rest, tendered_fen=rest))
    payload = PurchaseCompleted(
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=STORE,
        lines=(
            PurchaseLine(
                line_no=1,
                sku="HP-FISHOIL-60",
                category="health",
                quantity=1,
                unit_price_fen=total_fen,
                amount_fen=total_fen,
            ),
        ),
        total_fen=total_fen,
        purchased_at=datetime.now(UTC),
        receipt=Receipt(tenders=tuple(tenders), tendered_fen=total_fen, change_fen=0),
    )
    event = CloudEvent.of(payload, source="/huiyuan/orders")
    if named is not None:
        return event
    receipt = dict(event.data["receipt"])
    receipt["tenders"] = [
        {k: v for k, v in paid.items() if k != "reservation_id"} for paid in receipt["tenders"]
    ]
    return event.model_copy(update={"data": event.data | {"receipt": receipt}})


def refunds(
    points_fen: int, other_fen: int, tender: TenderKind = "points"
) -> tuple[TenderRefund, ...]:
    given = [TenderRefund(kind=tender, amount_fen=points_fen, paid_out=True)]
    if other_fen:
        given.append(TenderRefund(kind="card", amount_fen=other_fen, paid_out=True))
    return tuple(given)


def returned_event(
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    total_fen: int,
    points_fen: int,
    other_fen: int,
    tender: TenderKind = "points",
) -> CloudEvent:
    amount = points_fen + other_fen
    payload = PurchaseReturned(
        return_id=uuid.uuid4(),
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=STORE,
        lines=(
            ReturnedLine(
                line_no=1, sku="HP-FISHOIL-60", category="health", quantity=1, amount_fen=amount
            ),
        ),
        amount_fen=amount,
        purchase_total_fen=total_fen,
        returned_at=datetime.now(UTC),
        refunds=refunds(points_fen, other_fen, tender),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def voided_event(
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    total_fen: int,
    points_fen: int,
    tender: TenderKind = "points",
) -> CloudEvent:
    payload = PurchaseVoided(
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=STORE,
        total_fen=total_fen,
        purchased_at=datetime.now(UTC),
        voided_at=datetime.now(UTC),
        refunds=refunds(points_fen, total_fen - points_fen, tender),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")

"""Helpers for coupons at the till: a member holding a coupon, a basket, a hold, the
sale's events as orders sends them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from services.loyalty.till_coupons.invariants import coupon_till_violations
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.orders import (
    PurchaseCompleted,
    PurchaseLine,
    PurchaseReturned,
    PurchaseVoided,
    ReturnedLine,
    TenderRefund,
)
from tests.loyalty.conftest import funded_member, key
from tests.loyalty.coupons.test_api import body
from tests.stack import member_headers, staff_headers

STORE = uuid.UUID("6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10")
SERVICE = staff_headers("service")
MARKETING = staff_headers("marketing")

# 满150减30 on everything: 2 × 74.50 + 1 × 101.23 = 250.23 yuan is above it; 3000 fen
# shared pro rata: ⌊3000 × 14900 / 25023⌋ = 1786, ⌊3000 × 10123 / 25023⌋ = 1213, the fen
# left over to the largest line: 1787 and 1213.
BASKET: list[dict[str, Any]] = [
    {
        "line_no": 1,
        "sku": "HP-FISHOIL-60",
        "category": "health",
        "quantity": 2,
        "amount_fen": 14_900,
    },
    {
        "line_no": 2,
        "sku": "SK-CREAM-50",
        "category": "skincare",
        "quantity": 1,
        "amount_fen": 10_123,
    },
]
SHARES = {1: 1_787, 2: 1_213}
THRESHOLD_OFF = {"kind": "threshold_off", "threshold_fen": 15_000, "off_fen": 3_000}


@dataclass(frozen=True)
class Holder:
    member_id: uuid.UUID
    code: str
    coupon_id: str


async def holder(client: httpx.AsyncClient, sessions: Sessions, **definition: Any) -> Holder:
    """A new member with points, granted one coupon of a new definition (满150减30 on
    everything unless ``definition`` changes it)."""
    member = await funded_member(sessions, 10_000)
    await grant_new(client, member, **({"terms": THRESHOLD_OFF, "scope": {}} | definition))
    own = await client.get(f"/members/{member}/coupons", headers=member_headers(member))
    [coupon] = own.json()["items"]
    return Holder(member, coupon["code"], coupon["id"])


async def grant_new(client: httpx.AsyncClient, member: uuid.UUID, **definition: Any) -> None:
    """Grants the member one coupon of a new definition (``definition`` over the defaults)."""
    added = await client.post(
        "/coupons/definitions", json=body(**definition), headers=MARKETING | key()
    )
    assert added.status_code == 201, added.text
    granted = await client.post(
        f"/members/{member}/coupons",
        json={"definition_id": added.json()["id"], "grant_key": "g1"},
        headers=SERVICE | key(),
    )
    assert granted.status_code == 201, granted.text


def reserve_body(who: Holder, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "member_id": str(who.member_id),
        "store_id": str(STORE),
        "sale_ref": "R-1",
        "code": who.code.lower(),
        "lines": BASKET if lines is None else lines,
    }


async def hold(client: httpx.AsyncClient, who: Holder) -> dict[str, Any]:
    response = await client.post(
        "/coupon-reservations", json=reserve_body(who), headers=SERVICE | key()
    )
    assert response.status_code == 201, response.text
    held: dict[str, Any] = response.json()
    return held


def sold_lines(lines: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [
        {k: line[k] for k in ("line_no", "sku", "quantity", "amount_fen")}
        for line in (BASKET if lines is None else lines)
    ]


async def commit(
    client: httpx.AsyncClient,
    held: dict[str, Any],
    purchase_id: uuid.UUID,
    lines: list[dict[str, Any]] | None = None,
    attempt: uuid.UUID | None = None,
) -> httpx.Response:
    payload = {
        "store_id": str(STORE),
        "member_id": held["member_id"],
        "purchase_id": str(purchase_id),
        "lines": sold_lines(lines),
        "attempt_id": None if attempt is None else str(attempt),
    }
    return await client.post(
        f"/coupon-reservations/{held['coupons'][0]['reservation_id']}/commit",
        json=payload,
        headers=SERVICE | key(),
    )


async def coupon_status(client: httpx.AsyncClient, who: Holder) -> str:
    own = await client.get(f"/members/{who.member_id}/coupons", headers=SERVICE)
    [coupon] = own.json()["items"]
    return str(coupon["status"])


def sale_event(
    who: Holder, purchase_id: uuid.UUID, used: tuple[uuid.UUID, ...] | None = None
) -> CloudEvent:
    """The sale of :data:`BASKET` with the coupon's shares, as orders records it: each
    line's ``amount_fen`` is what it pays. ``used`` are the coupon reservations the sale
    names (``coupon_reservations``); None: an event from before the field, which lacks
    it."""
    lines = tuple(
        PurchaseLine(
            line_no=line["line_no"],
            sku=line["sku"],
            category=line["category"],
            quantity=line["quantity"],
            unit_price_fen=line["amount_fen"] // line["quantity"],
            amount_fen=line["amount_fen"] - SHARES[line["line_no"]],
            discount_fen=SHARES[line["line_no"]],
        )
        for line in BASKET
    )
    payload = PurchaseCompleted(
        purchase_id=purchase_id,
        member_id=who.member_id,
        store_id=STORE,
        lines=lines,
        total_fen=sum(line.amount_fen for line in lines),
        purchased_at=datetime.now(UTC),
        coupon_reservations=used,
    )
    event = CloudEvent.of(payload, source="/huiyuan/orders")
    if used is not None:
        return event
    data = {k: v for k, v in event.data.items() if k != "coupon_reservations"}
    return event.model_copy(update={"data": data})


def returned_event(who: Holder, purchase_id: uuid.UUID, units: dict[int, int]) -> CloudEvent:
    """A return of ``units`` per line number of that sale (amounts are not read here)."""
    by_no = {line["line_no"]: line for line in BASKET}
    payload = PurchaseReturned(
        return_id=uuid.uuid4(),
        purchase_id=purchase_id,
        member_id=who.member_id,
        store_id=STORE,
        lines=tuple(
            ReturnedLine(
                line_no=no,
                sku=by_no[no]["sku"],
                category=by_no[no]["category"],
                quantity=n,
                amount_fen=1,
            )
            for no, n in units.items()
        ),
        amount_fen=len(units),
        purchase_total_fen=22_023,
        returned_at=datetime.now(UTC),
        refunds=(TenderRefund(kind="card", amount_fen=len(units), paid_out=True),),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def voided_event(who: Holder, purchase_id: uuid.UUID) -> CloudEvent:
    payload = PurchaseVoided(
        purchase_id=purchase_id,
        member_id=who.member_id,
        store_id=STORE,
        total_fen=22_023,
        purchased_at=datetime.now(UTC),
        voided_at=datetime.now(UTC),
        refunds=(TenderRefund(kind="card", amount_fen=22_023, paid_out=True),),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


async def sound(sessions: Sessions, who: Holder) -> None:
    async with sessions() as session:
        assert await coupon_till_violations(session, [who.member_id]) == []


async def member_with(
    client: httpx.AsyncClient, sessions: Sessions, *terms: dict[str, Any], **definition: Any
) -> tuple[uuid.UUID, dict[str, dict[str, Any]]]:
    """A new member granted one coupon of a new definition per ``terms`` (stackable unless
    ``definition`` says otherwise): their coupons by kind."""
    member = await funded_member(sessions, 10_000)
    for term in terms:
        await grant_new(
            client, member, **({"terms": term, "scope": {}, "stackable": True} | definition)
        )
    own = await client.get(f"/members/{member}/coupons", headers=member_headers(member))
    return member, {coupon["kind"]: coupon for coupon in own.json()["items"]}

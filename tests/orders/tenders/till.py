"""Helpers for points at the till over orders and a real loyalty: a funded member, a hold,
a sale paying with it, what loyalty says, loyalty's audits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.reservations.invariants import till_violations
from shared.db import Sessions, transaction
from shared.events import CloudEvent, EventPayload
from shared.events.customer import MemberRegistered
from shared.events.orders import PurchaseCompleted, PurchaseLine
from tests.orders.conftest import LINES, TOTAL, KnownMember, StoreKey, new_key, register
from tests.stack import Stack, member_headers, staff_headers

SERVICE = staff_headers("service")
MARKETING = staff_headers("marketing")
FUNDING_FEN = 10_000_000  # 100,000 yuan: points at every rule the program may have


async def fund(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions, *, fen: int = FUNDING_FEN
) -> KnownMember:
    """A member orders knows, whose loyalty account earned on one purchase of ``fen`` (0:
    none, the account is empty)."""
    member = await register(stack, orders_sessions)
    registered = MemberRegistered(
        member_id=member.member_id,
        card_number=member.card_number,
        phone_hash="0" * 64,
        registered_at=datetime.now(UTC),
    )
    await _deliver(stack, loyalty_sessions, registered)
    if fen:
        await earn(stack, loyalty_sessions, member, fen)
    return member


async def earn(stack: Stack, loyalty_sessions: Sessions, member: KnownMember, fen: int) -> None:
    """Loyalty hears of the member's purchase of ``fen`` and credits its points."""
    line = PurchaseLine(
        line_no=1, sku="HC-001", category="health", quantity=1, unit_price_fen=fen, amount_fen=fen
    )
    purchase = PurchaseCompleted(
        purchase_id=uuid.uuid4(),
        member_id=member.member_id,
        store_id=uuid.uuid4(),
        lines=(line,),
        total_fen=fen,
        purchased_at=datetime.now(UTC),
    )
    await _deliver(stack, loyalty_sessions, purchase)


async def granted(
    loyalty: str, member: KnownMember, *definitions: dict[str, Any]
) -> list[dict[str, Any]]:
    """Grants the member one coupon of each new definition (bodies of ``POST
    /coupons/definitions``); the member's coupons as they read them, codes whole."""
    async with httpx.AsyncClient(base_url=loyalty) as client:
        for definition in definitions:
            added = await client.post(
                "/coupons/definitions", json=definition, headers=MARKETING | new_key()
            )
            assert added.status_code == 201, added.text
            given = await client.post(
                f"/members/{member.member_id}/coupons",
                json={"definition_id": added.json()["id"], "grant_key": "till"},
                headers=SERVICE | new_key(),
            )
            assert given.status_code == 201, given.text
        own = await client.get(
            f"/members/{member.member_id}/coupons", headers=member_headers(member.member_id)
        )
    items: list[dict[str, Any]] = own.json()["items"]
    return items


async def _deliver(stack: Stack, loyalty_sessions: Sessions, payload: EventPayload) -> None:
    event = CloudEvent.of(payload, source="/huiyuan/test")
    async with transaction(loyalty_sessions) as session:
        await stack.handlers("loyalty")[event.type](session, event)


async def balance(loyalty: str, member: KnownMember) -> int:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        response = await client.get(f"/members/{member.member_id}/loyalty", headers=SERVICE)
    assert response.status_code == 200, response.text
    points: int = response.json()["balance"]
    return points


async def reservation(loyalty: str, reservation_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        response = await client.get(f"/reservations/{reservation_id}", headers=SERVICE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def till_entries(
    loyalty: str, member: KnownMember, reservation_id: str
) -> list[tuple[str, int]]:
    """The member's ledger entries of the reservation at the till, as (kind, points)."""
    async with httpx.AsyncClient(base_url=loyalty) as client:
        ledger = await client.get(f"/members/{member.member_id}/ledger", headers=SERVICE)
    assert ledger.status_code == 200, ledger.text
    return [
        (entry["kind"], entry["points"])
        for entry in ledger.json()["items"]
        if entry["source_type"].startswith("till_") and entry["source_id"] == reservation_id
    ]


async def audit(loyalty_sessions: Sessions, member: KnownMember) -> None:
    """The member's till reservations and ledger are consistent (loyalty's own checks)."""
    async with loyalty_sessions() as session:
        assert await till_violations(session, [member.member_id]) == []
        report = await check_ledger_invariants(session, members=[member.member_id])
    assert report.ok, str(report)


async def hold(
    till: httpx.AsyncClient,
    store: StoreKey,
    member: KnownMember,
    key: dict[str, str] | None = None,
    **asked: int | str,
) -> httpx.Response:
    """The till asks orders to hold points (or stored value), under ``key`` (an
    ``Idempotency-Key`` header; a fresh one if None)."""
    body = {"card_number": member.card_number, "sale_ref": "R-1", "sale_total_fen": TOTAL}
    headers = store.headers | (key or new_key())
    return await till.post("/reservations", json=body | asked, headers=headers)


def paid_with(reservation: dict[str, Any]) -> list[dict[str, Any]]:
    points = {
        "kind": "points",
        "amount_fen": reservation["amount_fen"],
        "reservation_id": reservation["reservation_id"],
    }
    return [points, {"kind": "card", "amount_fen": TOTAL - reservation["amount_fen"]}]


async def sell(
    till: httpx.AsyncClient, store: StoreKey, member: KnownMember, tenders: list[dict[str, Any]]
) -> httpx.Response:
    body = {"card_number": member.card_number, "lines": LINES, "tenders": tenders}
    return await till.post("/purchases", json=body, headers=store.headers | new_key())

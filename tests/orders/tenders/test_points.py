"""Points at the till (积分抵现) through orders and a real loyalty over loopback HTTP: hold,
pay, refuse, undo, void, retry a sale after orders died past loyalty's commit; the sale's
event confirms the hold through the real broker; with loyalty down the till gets 503 and
the sale goes through without points."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.orders.config import Settings
from services.orders.purchases import service as purchases
from services.orders.purchases.schemas import PurchaseCreate, PurchaseOut
from services.orders.tenders.domain import Paid
from services.orders.tenders.errors import PointsRefused
from services.orders.tenders.loyalty import Loyalty, connected
from services.orders.tenders.service import held_tenders_paid
from shared.crypto import PiiCipher
from shared.db import Sessions
from tests.orders.conftest import (
    LINES,
    TOTAL,
    KnownMember,
    StoreKey,
    footprint,
    is_problem,
    new_key,
    register,
)
from tests.orders.tenders.till import (
    audit,
    balance,
    fund,
    hold,
    paid_with,
    reservation,
    sell,
    till_entries,
)
from tests.stack import Stack, eventually


@pytest.fixture
async def funded(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> KnownMember:
    return await fund(stack, orders_sessions, loyalty_sessions)


async def test_a_sale_pays_with_held_points_and_its_event_confirms_them(
    till: httpx.AsyncClient, loyalty: str, store: StoreKey, funded: KnownMember
) -> None:
    before = await balance(loyalty, funded)
    held = await hold(till, store, funded, points=5_000)
    assert held.status_code == 201, held.text
    reserved = held.json()
    assert (reserved["points"], reserved["amount_fen"], reserved["status"]) == (
        5_000,
        5_000,
        "held",
    )
    assert str(funded.member_id) == reserved["member_id"]
    assert await balance(loyalty, funded) == before - 5_000

    sold = await sell(till, store, funded, paid_with(reserved))
    assert sold.status_code == 201, sold.text
    tenders = sold.json()["receipt"]["tenders"]
    assert [(t["kind"], t["amount_fen"]) for t in tenders] == [
        ("points", 5_000),
        ("card", TOTAL - 5_000),
    ]
    committed = await reservation(loyalty, reserved["reservation_id"])
    assert committed["purchase_id"] == sold.json()["id"]

    async def confirmed() -> bool:
        found = await reservation(loyalty, reserved["reservation_id"])
        return bool(found["status"] == "confirmed")

    await eventually(confirmed, timeout=30)  # orders' relay → broker → loyalty's consumer
    again = await sell(till, store, funded, paid_with(reserved))  # the same hold, a new sale
    refused = is_problem(again, 422)
    assert refused["type"] == "urn:huiyuan:problem:points-refused"
    assert refused["cause"] == "urn:huiyuan:problem:reservation-not-held"
    assert refused["errors"][0]["location"] == "body.tenders.0.reservation_id"


async def test_a_refused_hold_records_no_sale(
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    held = (await hold(till, store, funded, amount_fen=1_000)).json()
    before = await footprint(orders_sessions, store, funded)
    wrong = paid_with(held)
    wrong[0]["amount_fen"], wrong[1]["amount_fen"] = 999, TOTAL - 999
    refused = is_problem(await sell(till, store, funded, wrong), 422)
    assert refused["cause"] == "urn:huiyuan:problem:reservation-mismatch"
    unknown = paid_with(held)
    unknown[0]["reservation_id"] = str(uuid.uuid4())
    missing = is_problem(await sell(till, store, funded, unknown), 422)
    assert missing["cause"] == "urn:huiyuan:problem:reservation-not-found"
    assert await footprint(orders_sessions, store, funded) == before
    assert (await reservation(loyalty, held["reservation_id"]))["status"] == "held"


async def test_the_till_voids_a_hold_and_the_member_gets_the_points_back(
    till: httpx.AsyncClient, loyalty: str, store: StoreKey, funded: KnownMember
) -> None:
    before = await balance(loyalty, funded)
    held = (await hold(till, store, funded, points=300)).json()
    key = new_key()
    path = f"/reservations/{held['reservation_id']}/release"
    released = await till.post(path, headers=store.headers | key)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    replayed = await till.post(path, headers=store.headers | key)
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert await balance(loyalty, funded) == before
    other_store = await till.post(path, headers={"X-API-Key": "hy_nope"} | new_key())
    is_problem(other_store, 401)


async def _sell_failing_after_commit(
    client: Loyalty,
    store: StoreKey,
    member: KnownMember,
    reservation_id: str,
    points: int,
    purchase_id: uuid.UUID,
    attempt: uuid.UUID | None = None,
) -> None:
    """Commits the hold as an attempt of sale ``purchase_id`` would, then fails as a lost
    database would."""
    async with held_tenders_paid(
        client,
        store_id=store.store_id,
        member_id=member.member_id,
        purchase_id=purchase_id,
        attempt=attempt or uuid.uuid4(),
        total_fen=TOTAL,
        tenders=(Paid("points", points, points, reservation_id=uuid.UUID(reservation_id)),),
    ):
        raise RuntimeError("the database went away")


async def test_a_sale_that_fails_after_the_commit_gives_the_points_back(
    till: httpx.AsyncClient,
    loyalty: str,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    held = (await hold(till, store, funded, points=700)).json()
    before = await balance(loyalty, funded)
    sale, attempt = uuid.uuid4(), uuid.uuid4()
    async with connected(Settings(loyalty_url=loyalty)) as client:
        with pytest.raises(RuntimeError, match="the database went away"):
            await _sell_failing_after_commit(
                client, store, funded, held["reservation_id"], 700, sale, attempt
            )
        undone = await reservation(loyalty, held["reservation_id"])
        # released: the undo named the attempt the commit recorded
        assert (undone["status"], undone["release_reason"]) == ("released", "sale_failed")
        async with loyalty_sessions() as session:
            query = "SELECT commit_attempt FROM loyalty.till_reservations WHERE reservation_id = :r"
            recorded = await session.scalar(text(query), {"r": uuid.UUID(held["reservation_id"])})
        assert recorded == attempt
        assert undone["purchase_id"] == str(sale)  # it was committed before the failure
        assert await balance(loyalty, funded) == before + 700
        # the hold cannot pay for anything any more: not another sale, nor a retry of this
        # one (its receipt names the same id), which loyalty must not answer with the
        # commit it gave the first attempt
        for purchase_id in (uuid.uuid4(), sale):
            with pytest.raises(PointsRefused, match="no longer held"):
                await _sell_failing_after_commit(
                    client, store, funded, held["reservation_id"], 700, purchase_id
                )
    assert await till_entries(loyalty, funded, held["reservation_id"]) == [
        ("release", 700),  # newest first
        ("hold", -700),
    ]


async def test_a_sale_retried_after_orders_died_past_the_commit_keeps_its_points(
    stack: Stack,
    till: httpx.AsyncClient,
    loyalty: str,
    orders_sessions: Sessions,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    """Orders dies after loyalty committed the reservation to the sale and before its own
    commit (the sale's transaction rolls back). The till's retry, same key and receipt,
    names the same sale: loyalty answers the commit as before and the sale is recorded,
    paid with those points once. (With a new id per attempt loyalty refused it, 422: the
    reservation "pays for another sale", and its points came back only after the grace.)"""
    held = (await hold(till, store, funded, points=1_200)).json()
    sale = {
        "card_number": funded.card_number,
        "lines": LINES,
        "tenders": paid_with(held),
        "receipt_no": "R-CRASH-1",
    }
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    key = new_key()
    before = await footprint(orders_sessions, store, funded)
    async with connected(Settings(loyalty_url=loyalty)) as client, orders_sessions() as session:
        data = PurchaseCreate.model_validate(sale)
        died = await purchases.record_purchase(
            session, cipher, store.store_id, data, sent=sale, loyalty=client
        )
        await session.rollback()  # what Postgres does to the transaction of a dead process
    assert isinstance(died, PurchaseOut)
    committed = await reservation(loyalty, held["reservation_id"])
    assert (committed["status"], committed["purchase_id"]) == ("committed", str(died.id))
    assert await footprint(orders_sessions, store, funded) == before  # no sale in orders

    # the till's key was never stored (the transaction that would have stored it rolled
    # back): its retry under that key runs the sale again
    retried = await till.post("/purchases", json=sale, headers=store.headers | key)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers  # recorded now, not before
    assert retried.json()["id"] == str(died.id)
    assert retried.json()["receipt"] == died.model_dump(mode="json")["receipt"]

    async def confirmed() -> bool:
        found = await reservation(loyalty, held["reservation_id"])
        return bool(found["status"] == "confirmed" and found["purchase_id"] == str(died.id))

    await eventually(confirmed, timeout=30)  # the sale's event, through the broker
    assert await till_entries(loyalty, funded, held["reservation_id"]) == [("hold", -1_200)]
    await audit(loyalty_sessions, funded)


async def test_with_loyalty_down_the_till_gets_503_and_sells_without_points(
    offline: httpx.AsyncClient, orders_sessions: Sessions, store: StoreKey, stack: Stack
) -> None:
    member = await register(stack, orders_sessions)
    down = is_problem(await hold(offline, store, member, points=100), 503)
    assert down["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    assert down["detail"].startswith("loyalty did not answer")
    named = [
        {"kind": "points", "amount_fen": 100, "reservation_id": str(uuid.uuid4())},
        {"kind": "card", "amount_fen": TOTAL - 100},
    ]
    before = await footprint(orders_sessions, store, member)
    refused = await sell(offline, store, member, named)
    assert is_problem(refused, 503)["type"] == "urn:huiyuan:problem:loyalty-unavailable"
    assert refused.headers["Retry-After"] == "5"
    assert await footprint(orders_sessions, store, member) == before
    without = await sell(offline, store, member, [{"kind": "card", "amount_fen": TOTAL}])
    assert without.status_code == 201, without.text


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        ({"points": 0}, "body.points"),
        ({"points": 10, "amount_fen": 10}, "body"),
        ({"points": 10, "sale_ref": ""}, "body.sale_ref"),
        ({"points": 10, "sale_total_fen": 0}, "body.sale_total_fen"),
        ({"points": 10, "card_number": None}, "body"),
    ],
)
async def test_bad_holds_are_refused_before_loyalty_is_asked(
    offline: httpx.AsyncClient,
    store: StoreKey,
    member: KnownMember,
    changes: dict[str, Any],
    location: str,
) -> None:
    body = {"card_number": member.card_number, "sale_ref": "R-1", "sale_total_fen": TOTAL}
    response = await offline.post(
        "/reservations", json=body | changes, headers=store.headers | new_key()
    )
    refused = is_problem(response, 422)  # not 503: loyalty (down) was never asked
    assert any(e["location"].startswith(location) for e in refused["errors"]), refused


@pytest.mark.parametrize(
    "tenders",
    [
        [{"kind": "points", "amount_fen": TOTAL}],  # no reservation
        [{"kind": "card", "amount_fen": TOTAL, "reservation_id": str(uuid.uuid4())}],
    ],
)
async def test_only_a_points_tender_names_a_reservation(
    offline: httpx.AsyncClient, store: StoreKey, member: KnownMember, tenders: list[dict[str, Any]]
) -> None:
    refused = is_problem(await sell(offline, store, member, tenders), 422)
    assert refused["errors"][0]["location"].startswith("body.tenders.0")

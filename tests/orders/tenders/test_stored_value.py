"""Stored value (储值) at the till through orders and a real loyalty over loopback HTTP: a
sale paying with a stored-value hold beside a points hold (one reservation per tender),
its return refunding the wallet as orders allocates it, through the real broker; a sale
naming a stored-value hold twice, or in a batch, is refused."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.loyalty.wallets.invariants import wallet_violations
from shared.db import Sessions
from tests.orders.conftest import TOTAL, KnownMember, StoreKey, is_problem, new_key
from tests.orders.tenders.till import MARKETING, SERVICE, audit, fund, hold, reservation, sell
from tests.stack import Stack, eventually


@pytest.fixture
async def funded(
    stack: Stack, orders_sessions: Sessions, loyalty_sessions: Sessions
) -> KnownMember:
    return await fund(stack, orders_sessions, loyalty_sessions)


async def _wallet(loyalty: str, member: KnownMember) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        response = await client.get(f"/members/{member.member_id}/wallet", headers=SERVICE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _deposit(loyalty: str, member: KnownMember, store: StoreKey, fen: int) -> None:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        rules = await client.put(
            "/program/wallet-bonus-rules", json={"tiers": []}, headers=MARKETING
        )
        assert rules.status_code == 200, rules.text
        made = await client.post(
            f"/members/{member.member_id}/wallet/deposits",
            json={"store_id": str(store.store_id), "amount_fen": fen},
            headers=SERVICE | new_key(),
        )
    assert made.status_code == 201, made.text


def _tender(held: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": held["tender"],
        "amount_fen": held["amount_fen"],
        "reservation_id": held["reservation_id"],
    }


async def test_a_sale_pays_from_the_wallet_and_its_return_refunds_it_as_allocated(
    till: httpx.AsyncClient,
    loyalty: str,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
) -> None:
    await _deposit(loyalty, funded, store, 30_000)
    stored = await hold(till, store, funded, tender="stored_value", amount_fen=20_000)
    assert stored.status_code == 201, stored.text
    assert (stored.json()["tender"], stored.json()["points"]) == ("stored_value", 0)
    points = await hold(till, store, funded, points=5_000)
    assert (await _wallet(loyalty, funded))["principal_fen"] == 10_000

    tenders = [
        _tender(stored.json()),
        _tender(points.json()),
        {"kind": "card", "amount_fen": TOTAL - 25_000},
    ]
    twice = is_problem(await sell(till, store, funded, [tenders[0], *tenders]), 422)
    assert twice["errors"][0]["location"] == "body.tenders.1.kind"
    sold = await sell(till, store, funded, tenders)
    assert sold.status_code == 201, sold.text

    back = await till.post(
        f"/purchases/{sold.json()['id']}/returns",
        json={"lines": [{"line_no": 2, "quantity": 1}]},
        headers=store.headers | new_key(),
    )
    assert back.status_code == 201, back.text
    # 5,900 back: points first in proportion, floor(5,000 × 5,900 / 45,700) = 645, then
    # stored value the remaining 5,255 (listed in the tenders' order)
    assert [(r["kind"], r["amount_fen"]) for r in back.json()["refunds"]] == [
        ("stored_value", 5_255),
        ("points", 645),
    ]

    async def refunded() -> bool:
        return bool((await _wallet(loyalty, funded))["principal_fen"] == 15_255)

    await eventually(refunded, timeout=30)  # orders' relay → broker → loyalty's consumer
    async with loyalty_sessions() as session:
        assert await wallet_violations(session, [funded.member_id]) == []
    await audit(loyalty_sessions, funded)


async def test_a_till_takes_a_deposit_once_however_often_it_retries(
    till: httpx.AsyncClient, loyalty: str, store: StoreKey, funded: KnownMember
) -> None:
    async with httpx.AsyncClient(base_url=loyalty) as client:
        seed_001 = {"tiers": [{"min_deposit_fen": 10_000, "bonus_fen": 10_000}]}
        rules = await client.put("/program/wallet-bonus-rules", json=seed_001, headers=MARKETING)
        assert rules.status_code == 200, rules.text
    key = new_key()
    body = {"card_number": funded.card_number, "amount_fen": 10_000}
    first = await till.post("/wallet-deposits", json=body, headers=store.headers | key)
    assert first.status_code == 201, first.text
    again = await till.post("/wallet-deposits", json=body, headers=store.headers | key)
    assert again.json() == first.json()
    made = first.json()
    assert (made["principal_fen"], made["bonus_fen"], made["member_id"]) == (
        10_000,
        10_000,
        str(funded.member_id),
    )
    seen = await _wallet(loyalty, funded)
    assert (seen["principal_fen"], seen["bonus_fen"]) == (10_000, 10_000)
    assert seen["entries"][0]["store_id"] == str(store.store_id)  # the store's liability

    for bad, location in [
        ({"card_number": funded.card_number, "amount_fen": 0}, "body.amount_fen"),
        ({"amount_fen": 100}, "body"),
    ]:
        refused = is_problem(
            await till.post("/wallet-deposits", json=bad, headers=store.headers | new_key()), 422
        )
        assert location in [error["location"] for error in refused["errors"]], refused
    assert (await _wallet(loyalty, funded))["balance_fen"] == 20_000


async def test_a_batch_takes_no_stored_value(
    till: httpx.AsyncClient, store: StoreKey, funded: KnownMember
) -> None:
    sale = {
        "idempotency_key": uuid.uuid4().hex,
        "card_number": funded.card_number,
        "lines": [{"sku": "HC-001", "category": "health", "quantity": 1, "unit_price_fen": 100}],
        "tenders": [
            {"kind": "stored_value", "amount_fen": 100, "reservation_id": str(uuid.uuid4())}
        ],
    }
    response = await till.post("/purchases:batch", json={"sales": [sale]}, headers=store.headers)
    assert response.status_code == 200, response.text
    [refused] = response.json()["results"]
    assert refused["error"]["type"] == "urn:huiyuan:problem:tender-not-accepted"


@pytest.mark.parametrize("kind", ["points", "stored_value"])
async def test_a_tender_naming_a_hold_of_the_other_kind_is_refused(
    till: httpx.AsyncClient,
    loyalty: str,
    loyalty_sessions: Sessions,
    store: StoreKey,
    funded: KnownMember,
    kind: str,
) -> None:
    """A points tender naming a stored-value hold (or the other way round) would record a
    sale paid with what the hold does not hold: its event could confirm nothing, and the
    sweep would give the hold back after the grace. Loyalty refuses the commit."""
    await _deposit(loyalty, funded, store, 10_000)
    other = "points" if kind == "stored_value" else "stored_value"
    made = await hold(till, store, funded, tender=other, amount_fen=1_000)
    assert made.status_code == 201, made.text
    wrong = _tender(made.json()) | {"kind": kind}
    sold = await sell(till, store, funded, [wrong, {"kind": "card", "amount_fen": TOTAL - 1_000}])
    refused = is_problem(sold, 422)
    assert refused["cause"] == "urn:huiyuan:problem:reservation-mismatch"
    assert refused["errors"][0]["location"] == "body.tenders.0.reservation_id"
    assert (await reservation(loyalty, made.json()["reservation_id"]))["status"] == "held"
    async with loyalty_sessions() as session:
        assert await wallet_violations(session, [funded.member_id]) == []
    await audit(loyalty_sessions, funded)

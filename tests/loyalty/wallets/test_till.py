"""Stored value as a till tender, through the reservation flow: hold, commit, confirm,
refunds on returns and voids, release, sweep; racing holds never overdraw a wallet."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.reservations.service import release_due
from services.loyalty.wallets import payments
from services.loyalty.wallets.domain import TillPayment
from services.loyalty.wallets.invariants import wallet_violations
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, handle, problem, published
from tests.loyalty.reservations.conftest import (
    commit,
    held,
    release,
    reserve,
    returned_event,
    sale_event,
    voided_event,
)
from tests.loyalty.wallets.test_api import SEED_001, deposit, set_rules, wallet

SV = "stored_value"


async def sound(sessions: Sessions, member_id: uuid.UUID) -> None:
    async with sessions() as session:
        assert [str(v) for v in await wallet_violations(session, [member_id])] == []


def parts(seen: dict[str, Any]) -> tuple[int, int]:
    return seen["principal_fen"], seen["bonus_fen"]


async def test_a_sale_paid_from_the_wallet_gets_its_share_back_on_return_and_void(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    await set_rules(client, SEED_001)
    member_id = await funded_member(loyalty_sessions, 100)
    await deposit(client, member_id, uuid.uuid4(), 10_000)  # 10,000 + 10,000 bonus
    hold = await held(client, member_id, 5_000, tender=SV, amount_fen=3_333)
    assert (hold["tender"], hold["points"], hold["amount_fen"]) == (SV, 0, 3_333)
    # 3,333 of the lot: floor(3,333 / 2) = 1,666 principal, 1,667 bonus
    assert parts(await wallet(client, member_id)) == (8_334, 8_333)

    purchase_id = uuid.uuid4()
    assert (await commit(client, hold, purchase_id, 5_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 5_000, 3_333, "stored_value"))
    # a return refunding 1,000 fen of the tender: spent falls to 2,333, principal spent to
    # floor(2,333 / 2) = 1,166: 500 principal and 500 bonus come back
    await handle(
        loyalty_sessions, returned_event(member_id, purchase_id, 5_000, 1_000, 500, "stored_value")
    )
    assert parts(await wallet(client, member_id)) == (8_834, 8_833)
    voided = voided_event(member_id, purchase_id, 5_000, 2_333, "stored_value")
    await handle(loyalty_sessions, voided)
    await handle(loyalty_sessions, voided)  # past the inbox again: no second credit
    assert parts(await wallet(client, member_id)) == (10_000, 10_000)

    refunds = await published(loyalty_sessions, member_id, "loyalty.wallet.refunded")
    assert [(e["amount_fen"], e["principal_fen"], e["bonus_fen"]) for e in refunds] == [
        (1_000, 500, 500),
        (2_333, 1_166, 1_167),
    ]
    kinds = [e["kind"] for e in (await wallet(client, member_id))["entries"]]
    assert kinds == ["payment_refund", "payment_refund", "payment", "deposit"]
    await sound(loyalty_sessions, member_id)


async def test_a_void_and_the_sweep_give_a_hold_back_and_a_late_sale_takes_it_again(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100)
    await deposit(client, member_id, uuid.uuid4(), 2_000)  # under the lowest tier: no bonus
    voided = await held(client, member_id, 900, tender=SV, amount_fen=900)
    first = await release(client, voided["reservation_id"])
    assert first.json()["release_reason"] == "void"
    again = await release(client, voided["reservation_id"])
    assert again.json() == first.json()
    assert parts(await wallet(client, member_id)) == (2_000, 0)

    late = await held(client, member_id, 1_500, tender=SV, amount_fen=1_500)
    purchase_id = uuid.uuid4()
    assert (await commit(client, late, purchase_id, 1_500)).status_code == 200
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(days=2)) >= 1
    assert parts(await wallet(client, member_id)) == (2_000, 0)
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 1_500, 1_500, "stored_value"))
    assert parts(await wallet(client, member_id)) == (500, 0)  # the sale did use it
    retaken = await published(loyalty_sessions, member_id, "loyalty.wallet.retaken")
    assert [(e["amount_fen"], e["shortfall_fen"]) for e in retaken] == [(1_500, 0)]
    await sound(loyalty_sessions, member_id)


async def test_a_hold_past_the_wallet_or_asked_in_points_is_refused_writing_nothing(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100)
    await deposit(client, member_id, uuid.uuid4(), 1_000)
    over = problem(await reserve(client, member_id, 5_000, tender=SV, amount_fen=1_001), 422)
    assert over["type"] == "urn:huiyuan:problem:insufficient-stored-value"
    assert [e["location"] for e in over["errors"]] == ["body.amount_fen"]
    by_points = problem(await reserve(client, member_id, 5_000, tender=SV, points=100), 422)
    assert by_points["type"] == "urn:huiyuan:problem:invalid-request"
    unknown = problem(
        await reserve(client, member_id, 5_000, tender="gift_card", amount_fen=1), 422
    )
    assert "body.tender" in [e["location"] for e in unknown["errors"]]
    seen = await wallet(client, member_id)
    assert (parts(seen), len(seen["entries"])) == ((1_000, 0), 1)


async def test_racing_holds_never_overdraw_the_wallet_nor_take_twice(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100)
    await deposit(client, member_id, uuid.uuid4(), 5_000)
    tries = await asyncio.gather(
        *(reserve(client, member_id, 400, tender=SV, amount_fen=400) for _ in range(20))
    )
    codes = sorted(response.status_code for response in tries)
    assert codes == [201] * 12 + [422] * 8  # 12 × 400 = 4,800 of 5,000
    assert parts(await wallet(client, member_id)) == (200, 0)
    holds = [response.json()["reservation_id"] for response in tries if response.status_code == 201]
    releases = await asyncio.gather(*(release(client, hold) for hold in holds + holds))
    assert {response.status_code for response in releases} == {200}
    assert parts(await wallet(client, member_id)) == (5_000, 0)  # each given back once
    await sound(loyalty_sessions, member_id)


async def test_the_kernel_credits_a_return_once_whoever_asks_twice(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100)
    await deposit(client, member_id, uuid.uuid4(), 1_000)
    hold = await held(client, member_id, 600, tender=SV, amount_fen=600)
    purchase_id = uuid.uuid4()
    # confirmed by its sale, so no sweep (the fault checker's sweeps the whole database)
    # ever finds a hold the kernel credited behind the reservation's back
    assert (await commit(client, hold, purchase_id, 600)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 600, 600, "stored_value"))
    payment = TillPayment(
        uuid.UUID(hold["reservation_id"]),
        uuid.UUID(hold["account_id"]),
        member_id,
        uuid.UUID(hold["store_id"]),
    )
    return_id, now = uuid.uuid4(), datetime.now(UTC)
    for expected in (True, False):  # the sale's own fence bypassed: the ledger's holds
        async with transaction(loyalty_sessions) as session:
            credited = await payments.refund(
                session, payment, 250, now, purchase_id=purchase_id, return_id=return_id
            )
        assert credited is expected
    assert parts(await wallet(client, member_id)) == (650, 0)
    async with transaction(loyalty_sessions) as session:  # what the sale's fence records
        await session.execute(
            text(
                "UPDATE loyalty.till_reservations SET refunded_fen = 250 WHERE reservation_id = :r"
            ),
            {"r": payment.reservation_id},
        )
    await sound(loyalty_sessions, member_id)

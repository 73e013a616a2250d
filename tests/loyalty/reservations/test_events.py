"""The till's points events: each hold, release, refund and retake announces its ledger
entry, written with it (nothing for a refused hold or a repeat), and they reach the broker
keyed by the member, in the order the points moved."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.loyalty.reservations.service import release_due
from shared.db import Sessions
from tests.loyalty.conftest import funded_member, handle, key, ledger_of, problem, published
from tests.loyalty.reservations.conftest import (
    SERVICE,
    STORE,
    commit,
    held,
    release,
    reserve,
    returned_event,
    sale_event,
    voided_event,
)
from tests.stack import Stack, keyed_events

TILL_EVENTS = (
    "loyalty.points.held",
    "loyalty.points.released",
    "loyalty.points.refunded",
    "loyalty.points.retaken",
)


async def test_a_hold_a_void_and_a_return_reach_the_broker_in_order(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, stack: Stack
) -> None:
    member_id = await funded_member(loyalty_sessions, 800_000)  # 8,000 points, star tier
    paying = await held(client, member_id, 45_700, points=5_000)
    purchase_id = uuid.uuid4()
    assert (await commit(client, paying, purchase_id, 45_700)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 45_700, 5_000))  # +685
    voided = await held(client, member_id, 45_700, points=1_000)
    assert (await release(client, voided["reservation_id"])).status_code == 200
    returned = returned_event(member_id, purchase_id, 45_700, 2_500, 20_350)  # -342, +2,500
    await handle(loyalty_sessions, returned)

    events = await keyed_events(
        stack.bootstrap_servers, "loyalty.events", str(member_id), TILL_EVENTS, wanted=4
    )
    ledger = {
        (e.source_type, str(e.source_id)): e for e in await ledger_of(loyalty_sessions, member_id)
    }
    assert [(e.type, e.data["points"], e.data["balance"]) for e in events] == [
        ("loyalty.points.held", 5_000, 3_000),
        ("loyalty.points.held", 1_000, 3_000 + 685 - 1_000),
        ("loyalty.points.released", 1_000, 3_685),
        ("loyalty.points.refunded", 2_500, 3_685 - 342 + 2_500),
    ]
    hold, _, release_, refund = (e.data for e in events)
    assert (hold["reservation_id"], hold["store_id"]) == (paying["reservation_id"], str(STORE))
    assert hold["amount_fen"] == 5_000
    assert datetime.fromisoformat(hold["expires_at"]) == datetime.fromisoformat(
        paying["expires_at"]
    )
    assert hold["entry_id"] == str(ledger[("till_hold", paying["reservation_id"])].id)
    assert (release_["reservation_id"], release_["reason"], release_["purchase_id"]) == (
        voided["reservation_id"],
        "void",
        None,
    )
    assert release_["entry_id"] == str(ledger[("till_release", voided["reservation_id"])].id)
    return_id = returned.data["return_id"]
    assert (refund["purchase_id"], refund["return_id"], refund["amount_fen"]) == (
        str(purchase_id),
        return_id,
        2_500,
    )
    assert refund["entry_id"] == str(ledger[("till_refund", return_id)].id)
    assert {e.subject for e in events} == {hold["account_id"]}


async def test_a_void_a_sweep_and_a_failed_sale_announce_why_the_points_came_back(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    sold = await held(client, member_id, 3_000, amount_fen=999)
    purchase_id = uuid.uuid4()
    assert (await commit(client, sold, purchase_id, 3_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 3_000, 999))
    voided = voided_event(member_id, purchase_id, 3_000, 999)
    await handle(loyalty_sessions, voided)
    await handle(loyalty_sessions, voided)  # applied again (past the inbox): nothing more
    failed = await held(client, member_id, 10_000, points=100)
    failed_sale = uuid.uuid4()
    assert (await commit(client, failed, failed_sale, 10_000)).status_code == 200
    assert (await release(client, failed["reservation_id"], failed_sale)).status_code == 200
    idle = await held(client, member_id, 10_000, points=50)
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(minutes=16)) >= 1
    refused = await reserve(client, member_id, 10_000, points=999_999)
    problem(refused, 422)

    [refund] = await published(loyalty_sessions, member_id, "loyalty.points.refunded")
    assert (refund["points"], refund["amount_fen"], refund["return_id"]) == (999, 999, None)
    released = await published(loyalty_sessions, member_id, "loyalty.points.released")
    assert [
        (r["reservation_id"], r["reason"], r["purchase_id"], r["points"]) for r in released
    ] == [
        (failed["reservation_id"], "sale_failed", str(failed_sale), 100),
        (idle["reservation_id"], "timeout", None, 50),
    ]
    holds = await published(loyalty_sessions, member_id, "loyalty.points.held")
    assert [h["reservation_id"] for h in holds] == [
        sold["reservation_id"],
        failed["reservation_id"],
        idle["reservation_id"],
    ]  # none for the refused hold


async def test_a_late_sale_event_announces_the_points_taken_again(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    late = await held(client, member_id, 10_000, points=400)
    purchase_id = uuid.uuid4()
    assert (await commit(client, late, purchase_id, 10_000)).status_code == 200
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(hours=25)) >= 1
    spent = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 900, "reason": "spent meanwhile"},
        headers=SERVICE | key(),
    )
    assert spent.status_code == 201, spent.text
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 400))
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 400))  # again
    # 100 left, +120 earned on the sale (VIP: 100 × 1.2): 220 of the 400 again, 180 short
    [retake] = await published(loyalty_sessions, member_id, "loyalty.points.retaken")
    assert (retake["points"], retake["shortfall"], retake["balance"]) == (220, 180, 0)
    assert (retake["purchase_id"], retake["reservation_id"]) == (
        str(purchase_id),
        late["reservation_id"],
    )

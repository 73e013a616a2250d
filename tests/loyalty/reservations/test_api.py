"""Points at the till over HTTP: hold, commit, confirm, refund, release, sweep; every bad
input refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.reservations.invariants import till_violations
from services.loyalty.reservations.service import release_due
from shared.db import Sessions
from tests.loyalty.conftest import account_of, funded_member, handle, key, ledger_of, problem
from tests.loyalty.reservations.conftest import (
    SERVICE,
    STORE,
    TenderKind,
    commit,
    held,
    release,
    reserve,
    returned_event,
    sale_event,
    voided_event,
)
from tests.loyalty.wallets.test_api import deposit
from tests.stack import member_headers, staff_headers


async def balance(sessions: Sessions, member_id: uuid.UUID) -> int:
    account = await account_of(sessions, member_id)
    assert account is not None
    return account.balance


async def reservation(client: httpx.AsyncClient, reservation_id: str) -> dict[str, Any]:
    response = await client.get(f"/reservations/{reservation_id}", headers=SERVICE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_sale_pays_with_held_points_and_a_return_gives_its_share_back(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 800_000)  # 8,000 points
    hold = await held(client, member_id, 45_700, points=5_000)
    assert (hold["points"], hold["amount_fen"], hold["status"]) == (5_000, 5_000, "held")
    assert await balance(loyalty_sessions, member_id) == 3_000  # not spendable elsewhere
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.source_type, str(last.source_id), last.points) == (
        "hold",
        "till_hold",
        hold["reservation_id"],
        -5_000,
    )

    purchase_id = uuid.uuid4()
    committed = await commit(client, hold, purchase_id, 45_700)
    assert committed.status_code == 200, committed.text
    assert committed.json()["status"] == "committed"
    again = await commit(client, hold, purchase_id, 45_700)  # orders retrying
    assert again.status_code == 200
    assert again.json()["status"] == "committed"
    assert await balance(loyalty_sessions, member_id) == 3_000

    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 45_700, 5_000))
    assert (await reservation(client, hold["reservation_id"]))["status"] == "confirmed"
    # earned on the whole total, at the star tier the funding reached: 457 × 1.5
    assert await balance(loyalty_sessions, member_id) == 3_000 + 685

    # half the sale back: the points tender gets half its 5,000 fen, so 2,500 points;
    # the earn is reversed by floor(685 × 22,850 / 45,700) = 342
    await handle(loyalty_sessions, returned_event(member_id, purchase_id, 45_700, 2_500, 20_350))
    ledger = await ledger_of(loyalty_sessions, member_id)
    assert [(e.kind, e.points) for e in ledger[-2:]] == [("reverse", -342), ("refund", 2_500)]
    after = await reservation(client, hold["reservation_id"])
    assert (after["refunded_points"], after["refunded_fen"]) == (2_500, 2_500)
    assert await balance(loyalty_sessions, member_id) == 3_000 + 685 - 342 + 2_500

    refused = problem(await release(client, hold["reservation_id"], purchase_id), 409)
    assert refused["type"] == "urn:huiyuan:problem:reservation-not-held"
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[member_id])
    assert report.ok, str(report)


async def test_a_void_gives_the_whole_points_tender_back(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    hold = await held(client, member_id, 3_000, amount_fen=999)  # 999 points pay 999 fen
    purchase_id = uuid.uuid4()
    assert (await commit(client, hold, purchase_id, 3_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 3_000, 999))
    await handle(loyalty_sessions, returned_event(member_id, purchase_id, 3_000, 333, 667))
    voided = voided_event(member_id, purchase_id, 3_000, 666)
    await handle(loyalty_sessions, voided)
    await handle(loyalty_sessions, voided)  # applied again (past the inbox): no change
    refunds = [e.points for e in await ledger_of(loyalty_sessions, member_id) if e.kind == "refund"]
    assert refunds == [333, 666]
    assert (await reservation(client, hold["reservation_id"]))["refunded_points"] == 999


async def test_the_till_releases_a_hold_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    hold = await held(client, member_id, 10_000, points=400)
    first = await release(client, hold["reservation_id"])
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["release_reason"]) == ("released", "void")
    second = await release(client, hold["reservation_id"])
    assert second.status_code == 200
    assert second.json() == first.json()
    assert await balance(loyalty_sessions, member_id) == 1_000
    kinds = [(e.kind, e.points) for e in await ledger_of(loyalty_sessions, member_id)]
    assert kinds == [("earn", 1_000), ("hold", -400), ("release", 400)]
    refused = problem(await commit(client, hold, uuid.uuid4(), 10_000), 409)
    assert refused["type"] == "urn:huiyuan:problem:reservation-not-held"


async def test_orders_undoes_a_failed_sale_but_no_one_else_releases_a_commit(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    hold = await held(client, member_id, 10_000, points=400)
    purchase_id = uuid.uuid4()
    assert (await commit(client, hold, purchase_id, 10_000)).status_code == 200
    problem(await release(client, hold["reservation_id"]), 409)  # the till's void
    problem(await release(client, hold["reservation_id"], uuid.uuid4()), 409)  # another sale
    problem(await commit(client, hold, uuid.uuid4(), 10_000), 409)  # another sale
    undone = await release(client, hold["reservation_id"], purchase_id)
    assert undone.status_code == 200, undone.text
    assert undone.json()["release_reason"] == "sale_failed"
    assert await balance(loyalty_sessions, member_id) == 1_000


@pytest.mark.parametrize("tender", ["points", "stored_value"])
@pytest.mark.parametrize("late_commit", [False, True])
async def test_an_undo_of_a_commit_two_attempts_made_is_refused(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, tender: TenderKind, late_commit: bool
) -> None:
    """The till's retry of a sale (another attempt) committed the reservation too: an undo
    from either attempt may be one orders gave up on, landing after the other attempt was
    recorded, and loyalty cannot tell which came first (the first attempt's commit may
    itself land after the retry's). Given back then, the recorded sale's points or money
    would be spendable again. The sale's event confirms it, or the sweep releases it."""
    member_id = await funded_member(loyalty_sessions, 100_000)
    if tender == "stored_value":
        await deposit(client, member_id, uuid.uuid4(), 20_000)
        hold = await held(client, member_id, 10_000, tender=tender, amount_fen=10_000)
    else:
        hold = await held(client, member_id, 10_000, points=400)
    purchase_id, first, retry = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for attempt in (retry, first) if late_commit else (first, retry):
        answer = await commit(client, hold, purchase_id, 10_000, attempt_id=str(attempt))
        assert answer.status_code == 200, answer.text
    for attempt in (first, retry):
        late = problem(await release(client, hold["reservation_id"], purchase_id, attempt), 409)
        assert late["errors"][0]["location"] == "body.attempt_id"
    assert (await reservation(client, hold["reservation_id"]))["status"] == "committed"
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 10_000, tender))
    assert (await reservation(client, hold["reservation_id"]))["status"] == "confirmed"


async def test_a_second_reservation_for_a_sale_already_paying_is_a_409_not_a_500(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """A first attempt committed one hold and its undo was lost; the till held points again
    and retried the same sale (the same purchase id) with the new hold."""
    member_id = await funded_member(loyalty_sessions, 100_000)
    first = await held(client, member_id, 10_000, points=400)
    again = await held(client, member_id, 10_000, points=400)
    purchase_id = uuid.uuid4()
    assert (await commit(client, first, purchase_id, 10_000)).status_code == 200
    refused = problem(await commit(client, again, purchase_id, 10_000), 409)
    assert refused["errors"][0]["location"] == "body.reservation_id"
    assert first["reservation_id"] in refused["detail"]
    assert (await reservation(client, again["reservation_id"]))["status"] == "held"


async def test_an_attempt_alone_undoes_its_own_commit(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    hold = await held(client, member_id, 10_000, points=400)
    purchase_id, attempt = uuid.uuid4(), uuid.uuid4()
    for _ in range(2):  # its own commit again (a retried request) contests nothing
        answer = await commit(client, hold, purchase_id, 10_000, attempt_id=str(attempt))
        assert answer.status_code == 200
    undone = await release(client, hold["reservation_id"], purchase_id, attempt)
    assert undone.json()["release_reason"] == "sale_failed"


async def test_the_sweep_releases_what_ran_out(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    idle = await held(client, member_id, 10_000, points=100)
    used = await held(client, member_id, 10_000, points=200)
    assert (await commit(client, used, uuid.uuid4(), 10_000)).status_code == 200
    now = datetime.now(UTC)
    assert await release_due(loyalty_sessions, now + timedelta(minutes=16)) >= 1
    assert await release_due(loyalty_sessions, now + timedelta(minutes=16)) == 0
    swept = await reservation(client, idle["reservation_id"])
    assert (swept["status"], swept["release_reason"]) == ("released", "timeout")
    assert (await reservation(client, used["reservation_id"]))["status"] == "committed"
    assert await balance(loyalty_sessions, member_id) == 800
    # the sale never arrived: after the day's grace its points come back too
    assert await release_due(loyalty_sessions, now + timedelta(hours=25)) >= 1
    assert (await reservation(client, used["reservation_id"]))["status"] == "released"
    assert await balance(loyalty_sessions, member_id) == 1_000
    expired = problem(await commit(client, idle, uuid.uuid4(), 10_000), 409)
    assert expired["errors"][0]["location"] == "body.reservation_id"


async def test_a_commit_must_match_the_reservation(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    hold = await held(client, member_id, 10_000, points=400)
    other = problem(
        await commit(client, hold, uuid.uuid4(), 10_000, member_id=str(uuid.uuid4())), 422
    )
    assert other["errors"][0]["location"] == "body.member_id"
    amount = problem(await commit(client, hold, uuid.uuid4(), 10_000, amount_fen=401), 422)
    assert amount["type"] == "urn:huiyuan:problem:reservation-mismatch"
    share = problem(await commit(client, hold, uuid.uuid4(), 700), 422)  # 50% of 700 is 350
    assert share["type"] == "urn:huiyuan:problem:points-share-exceeded"
    missing = problem(
        await commit(client, hold, uuid.uuid4(), 10_000, store_id=str(uuid.uuid4())), 404
    )
    assert missing["type"] == "urn:huiyuan:problem:reservation-not-found"
    assert (await reservation(client, hold["reservation_id"]))["status"] == "held"


async def test_a_hold_never_takes_more_than_the_balance(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 50_000)  # 500 points
    refused = problem(await reserve(client, member_id, 10_000, points=501), 422)
    assert refused["type"] == "urn:huiyuan:problem:insufficient-points"
    assert refused["errors"][0]["location"] == "body.points"
    by_amount = problem(await reserve(client, member_id, 10_000, amount_fen=501), 422)
    assert by_amount["errors"][0]["location"] == "body.amount_fen"
    unknown = problem(await reserve(client, uuid.uuid4(), 10_000, points=1), 404)
    assert unknown["errors"][0]["location"] == "body.member_id"
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn"]


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        ({"points": 0}, "body.points"),
        ({"points": "100"}, "body.points"),
        ({"points": 100, "amount_fen": 100}, "body"),
        ({}, "body"),
        ({"points": 6_000}, "body.points"),  # more than 50% of 10,000 fen
        ({"amount_fen": 0}, "body.amount_fen"),
        ({"points": 100, "sale_total_fen": 0}, "body.sale_total_fen"),
        ({"points": 100, "sale_ref": ""}, "body.sale_ref"),
        ({"points": 100, "sale_ref": "R\n1"}, "body.sale_ref"),
        ({"points": 100, "sale_ref": "R" * 65}, "body.sale_ref"),
        ({"points": 100, "member_id": "not-a-uuid"}, "body.member_id"),
        ({"points": 100, "extra": 1}, "body.extra"),
    ],
)
async def test_bad_reservations_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, changes: dict[str, Any], location: str
) -> None:
    member_id = await funded_member(loyalty_sessions, 1_000_000)
    body = {"member_id": str(member_id), "store_id": str(STORE), "sale_ref": "R-1"}
    body |= {"sale_total_fen": 10_000} | changes
    response = await client.post("/reservations", json=body, headers=SERVICE | key())
    refused = problem(response, 422)
    assert any(error["location"].startswith(location) for error in refused["errors"]), refused
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn"]


async def test_only_staff_with_role_service_hold_points(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100_000)
    body = {
        "member_id": str(member_id),
        "store_id": str(STORE),
        "sale_ref": "R-1",
        "sale_total_fen": 10_000,
        "points": 100,
    }
    for headers in (member_headers(member_id), staff_headers("marketing")):
        problem(await client.post("/reservations", json=body, headers=headers | key()), 403)
    problem(await client.post("/reservations", json=body, headers=SERVICE), 422)  # no key
    assert await balance(loyalty_sessions, member_id) == 1_000


async def test_the_till_policy_is_read_and_set(client: httpx.AsyncClient) -> None:
    marketing = staff_headers("marketing")
    before = (await client.get("/program/till-policy", headers=marketing)).json()
    assert before | {"updated_at": None} == {
        "points_per_yuan": 100,
        "max_share_percent": 50,
        "hold_minutes": 15,
        "commit_grace_minutes": 1440,
        "updated_at": None,
    }
    bad = await client.put(
        "/program/till-policy", json={**before, "max_share_percent": 101}, headers=marketing
    )
    assert problem(bad, 422)["errors"][0]["location"] == "body.max_share_percent"
    problem(await client.put("/program/till-policy", json=before, headers=SERVICE), 403)
    changed = {k: before[k] for k in before if k != "updated_at"} | {"points_per_yuan": 200}
    try:
        answer = await client.put("/program/till-policy", json=changed, headers=marketing)
        assert answer.status_code == 200, answer.text
        assert answer.json()["points_per_yuan"] == 200
    finally:
        restored = {k: before[k] for k in before if k != "updated_at"}
        await client.put("/program/till-policy", json=restored, headers=marketing)


async def test_a_sale_event_after_the_grace_takes_the_points_again(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """The broker was out longer than the grace: the sweep gave the points back, then the
    sale's event came. The sale did use them, so they are taken again, what the member
    spent meanwhile recorded as shortfall."""
    member_id = await funded_member(loyalty_sessions, 100_000)  # 1,000 points
    late = await held(client, member_id, 10_000, points=400)
    purchase_id = uuid.uuid4()
    assert (await commit(client, late, purchase_id, 10_000)).status_code == 200
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(hours=25)) >= 1
    assert await balance(loyalty_sessions, member_id) == 1_000
    spent = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 900, "reason": "spent meanwhile"},
        headers=SERVICE | key(),
    )
    assert spent.status_code == 201, spent.text
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 400))
    ledger = await ledger_of(loyalty_sessions, member_id)
    retake = next(e for e in ledger if e.kind == "retake")
    # 100 left, +120 earned on the sale first (VIP since the funding: 100 × 1.2); 220 of
    # the 400 taken again, 180 short
    assert (retake.points, retake.shortfall, retake.balance_after) == (-220, 180, 0)
    assert (await reservation(client, late["reservation_id"]))["status"] == "confirmed"
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, 10_000, 400))  # again
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)].count("retake") == 1
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[member_id])
        assert await till_violations(session, [member_id]) == []
    assert report.ok, str(report)

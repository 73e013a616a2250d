"""Which till reservation a sale's event confirms, when attempts of the sale under one
receipt number (one purchase id) committed more than one: the one its tender names, never
one released for another reason than the sweep's; an event from before tenders named it
takes the one committed to the purchase id, as before. And a commit by another sale under
the same receipt number is told what it may not use, with a clear 4xx."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.reservations.invariants import till_violations
from services.loyalty.reservations.service import release_due
from services.loyalty.wallets.invariants import wallet_violations
from shared.db import Sessions
from tests.loyalty.conftest import funded_member, handle, ledger_of, problem
from tests.loyalty.reservations.conftest import (
    TenderKind,
    commit,
    held,
    release,
    sale_event,
)
from tests.loyalty.reservations.test_api import reservation
from tests.loyalty.wallets.test_api import deposit, wallet

TOTAL = 10_000


async def _held(
    client: httpx.AsyncClient, member_id: uuid.UUID, tender: TenderKind, amount_fen: int
) -> dict[str, Any]:
    if tender == "stored_value":
        return await held(client, member_id, TOTAL, tender=tender, amount_fen=amount_fen)
    return await held(client, member_id, TOTAL, amount_fen=amount_fen)


async def _funded(client: httpx.AsyncClient, sessions: Sessions, tender: TenderKind) -> uuid.UUID:
    member_id = await funded_member(sessions, 100_000)  # 1,000 points
    if tender == "stored_value":
        await deposit(client, member_id, uuid.uuid4(), 20_000)
    return member_id


async def _wallet_fen(client: httpx.AsyncClient, member_id: uuid.UUID) -> int:
    return int((await wallet(client, member_id))["balance_fen"])


async def _sound(sessions: Sessions, member_id: uuid.UUID) -> None:
    async with sessions() as session:
        assert await till_violations(session, [member_id]) == []
        assert await wallet_violations(session, [member_id]) == []
        report = await check_ledger_invariants(session, members=[member_id])
    assert report.ok, str(report)


async def _status(client: httpx.AsyncClient, held_: dict[str, Any]) -> tuple[str, str | None]:
    found = await reservation(client, held_["reservation_id"])
    return found["status"], found["release_reason"]


@pytest.mark.parametrize("tender", ["points", "stored_value"])
@pytest.mark.parametrize("named", [True, False])
async def test_a_late_sale_event_takes_back_what_the_sale_used_not_what_an_undo_gave_back(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, tender: TenderKind, named: bool
) -> None:
    """A first attempt of the sale committed reservation ``undone`` and failed; orders'
    undo gave it back (``sale_failed``). The till held again and the second attempt was
    recorded with ``used``. The broker was then out past the grace: the sweep gave ``used``
    back (``timeout``) before the sale's event came. The event takes back ``used``, the one
    its tender names (or, from before tenders named it, the one the sweep released), and
    never ``undone``, which no recorded sale uses."""
    member_id = await _funded(client, loyalty_sessions, tender)
    purchase_id, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    undone = await _held(client, member_id, tender, 400)
    answer = await commit(client, undone, purchase_id, TOTAL, attempt_id=str(first))
    assert answer.status_code == 200, answer.text
    released = await release(client, undone["reservation_id"], purchase_id, first)
    assert released.status_code == 200, released.text
    used = await _held(client, member_id, tender, 400)
    answer = await commit(client, used, purchase_id, TOTAL, attempt_id=str(second))
    assert answer.status_code == 200, answer.text
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(hours=25)) >= 1
    assert await _status(client, used) == ("released", "timeout")
    wallet_before = await _wallet_fen(client, member_id)

    named_id = used["reservation_id"] if named else None
    sale = sale_event(member_id, purchase_id, TOTAL, 400, tender, reservation=named_id)
    assert ("reservation_id" in sale.data["receipt"]["tenders"][0]) is named
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, TOTAL, 400, tender))
    assert await _status(client, used) == ("confirmed", None)
    assert await _status(client, undone) == ("released", "sale_failed")
    retakes = [
        str(e.source_id)
        for e in await ledger_of(loyalty_sessions, member_id)
        if e.source_type == "till_retake"
    ]
    if tender == "points":
        assert retakes == [used["reservation_id"]]
    else:
        assert (retakes, await _wallet_fen(client, member_id)) == ([], wallet_before - 400)
    await _sound(loyalty_sessions, member_id)


@pytest.mark.parametrize("tender", ["points", "stored_value"])
async def test_a_sale_event_leaves_alone_a_reservation_it_does_not_name(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, tender: TenderKind
) -> None:
    """A failed attempt's commit whose undo was lost stays committed to the purchase id;
    the sale recorded under the receipt number after the sweep gave it back paid with
    another reservation, which its tender names. The event confirms that one only; it
    confirms nothing of a reservation committed to another purchase that it names."""
    member_id = await _funded(client, loyalty_sessions, tender)
    purchase_id = uuid.uuid4()
    lost = await _held(client, member_id, tender, 300)
    assert (await commit(client, lost, purchase_id, TOTAL)).status_code == 200
    assert await release_due(loyalty_sessions, datetime.now(UTC) + timedelta(hours=25)) >= 1
    used = await _held(client, member_id, tender, 300)
    assert (await commit(client, used, purchase_id, TOTAL)).status_code == 200
    elsewhere = await _held(client, member_id, tender, 200)
    assert (await commit(client, elsewhere, uuid.uuid4(), TOTAL)).status_code == 200

    wrong = sale_event(member_id, uuid.uuid4(), TOTAL, 300, tender, used["reservation_id"])
    await handle(loyalty_sessions, wrong)  # names a reservation of another purchase
    assert await _status(client, used) == ("committed", None)
    sale = sale_event(member_id, purchase_id, TOTAL, 300, tender, used["reservation_id"])
    await handle(loyalty_sessions, sale)
    assert await _status(client, used) == ("confirmed", None)
    assert await _status(client, lost) == ("released", "timeout")
    assert await _status(client, elsewhere) == ("committed", None)
    await _sound(loyalty_sessions, member_id)


@pytest.mark.parametrize("tender", ["points", "stored_value"])
async def test_another_sale_under_the_receipt_number_is_not_told_a_commit_pays_it(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, tender: TenderKind
) -> None:
    """A failed attempt committed a reservation and its undo was lost. Another sale under
    the same receipt number (the same purchase id) naming that reservation for another
    amount, or for another member, is refused (422), not answered as the first commit; one
    naming another reservation of the tender is 409 and says why and until when."""
    member_id = await _funded(client, loyalty_sessions, tender)
    purchase_id = uuid.uuid4()
    lost = await _held(client, member_id, tender, 300)
    assert (await commit(client, lost, purchase_id, TOTAL)).status_code == 200

    other_amount = await commit(client, lost, purchase_id, TOTAL, amount_fen=200)
    assert problem(other_amount, 422)["type"] == "urn:huiyuan:problem:reservation-mismatch"
    assert problem(other_amount, 422)["errors"][0]["location"] == "body.amount_fen"
    other_member = await commit(client, lost, purchase_id, TOTAL, member_id=str(uuid.uuid4()))
    assert problem(other_member, 422)["errors"][0]["location"] == "body.member_id"
    again = await commit(client, lost, purchase_id, TOTAL)  # the same sale: as before
    assert again.status_code == 200, again.text

    other = await _held(client, member_id, tender, 200)
    refused = problem(await commit(client, other, purchase_id, TOTAL), 409)
    assert refused["type"] == "urn:huiyuan:problem:reservation-not-held"
    assert lost["reservation_id"] in refused["detail"]
    assert "grace" in refused["detail"]
    assert "release that reservation" not in refused["detail"]  # the till cannot
    void = problem(await release(client, lost["reservation_id"]), 409)  # the till's void
    assert "not recorded" in void["detail"]
    assert await _status(client, lost) == ("committed", None)
    assert await _status(client, other) == ("held", None)


@pytest.mark.parametrize("tender", ["points", "stored_value"])
async def test_two_reservations_racing_to_pay_one_sale_are_one_commit_and_a_409(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, tender: TenderKind
) -> None:
    """Two attempts of a sale, each with a reservation of its own, commit at once: one
    pays, the other is a 409 (the unique index behind the check), never a 500."""
    member_id = await _funded(client, loyalty_sessions, tender)
    purchase_id = uuid.uuid4()
    holds = [await _held(client, member_id, tender, 100) for _ in range(6)]
    answers = await asyncio.gather(*(commit(client, h, purchase_id, TOTAL) for h in holds))
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 5, [
        answer.text for answer in answers
    ]
    for answer in answers:
        if answer.status_code == 409:
            assert problem(answer, 409)["errors"][0]["location"] == "body.reservation_id"
    await _sound(loyalty_sessions, member_id)


@pytest.mark.parametrize("tender", ["points", "stored_value"])
async def test_a_commit_for_a_tender_of_the_other_kind_is_refused(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, tender: TenderKind
) -> None:
    """Orders says which kind of tender pays with the reservation; one that does not say
    (a caller from before) is not checked."""
    member_id = await _funded(client, loyalty_sessions, tender)
    made = await _held(client, member_id, tender, 100)
    other = "points" if tender == "stored_value" else "stored_value"
    wrong = problem(await commit(client, made, uuid.uuid4(), TOTAL, tender=other), 422)
    assert (wrong["type"], wrong["errors"][0]["location"]) == (
        "urn:huiyuan:problem:reservation-mismatch",
        "body.tender",
    )
    assert await _status(client, made) == ("held", None)
    right = await commit(client, made, uuid.uuid4(), TOTAL, tender=tender)
    assert right.status_code == 200, right.text


@pytest.mark.parametrize("tender", ["points", "stored_value"])
@pytest.mark.parametrize(
    ("first_named", "retry_named"), [(False, False), (True, False), (False, True)]
)
async def test_what_the_recorded_sale_used_is_taken_back_after_an_undo_no_rule_could_refuse(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    tender: TenderKind,
    first_named: bool,
    retry_named: bool,
) -> None:
    """A commit naming no attempt (an orders from before attempt ids, during a rolling
    upgrade) makes nothing contested, so the first attempt's late undo is taken although
    the till's retry committed the reservation again and was recorded. The sale's event
    then takes it back: the sale was recorded paying with it (reviewer2, session 38: the
    event left it released, and the member kept the points or the money)."""
    member_id = await _funded(client, loyalty_sessions, tender)
    purchase_id = uuid.uuid4()
    first = uuid.uuid4() if first_named else None
    used = await _held(client, member_id, tender, 400)
    for attempt in (first, uuid.uuid4() if retry_named else None):
        named = {} if attempt is None else {"attempt_id": str(attempt)}
        answer = await commit(client, used, purchase_id, TOTAL, **named)
        assert answer.status_code == 200, answer.text
    undone = await release(client, used["reservation_id"], purchase_id, first)
    assert undone.status_code == 200, undone.text
    assert await _status(client, used) == ("released", "sale_failed")
    wallet_before = await _wallet_fen(client, member_id) if tender == "stored_value" else 0

    named_id = used["reservation_id"] if retry_named else None
    await handle(loyalty_sessions, sale_event(member_id, purchase_id, TOTAL, 400, tender, named_id))
    assert await _status(client, used) == ("confirmed", None)
    if tender == "points":
        retakes = [
            str(e.source_id)
            for e in await ledger_of(loyalty_sessions, member_id)
            if e.source_type == "till_retake"
        ]
        assert retakes == [used["reservation_id"]]
    else:
        assert await _wallet_fen(client, member_id) == wallet_before - 400
    await _sound(loyalty_sessions, member_id)


async def test_a_second_commit_for_a_smaller_sale_keeps_to_the_points_share(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    """Another sale under the receipt number, with the same reservation, member and amount
    but a total the policy's share does not allow it: refused as a first commit would be."""
    member_id = await _funded(client, loyalty_sessions, "points")
    purchase_id = uuid.uuid4()
    used = await _held(client, member_id, "points", 400)
    first = await commit(client, used, purchase_id, TOTAL, attempt_id=str(uuid.uuid4()))
    assert first.status_code == 200, first.text
    fresh = await _held(client, member_id, "points", 400)
    direct = await commit(client, fresh, uuid.uuid4(), 401, attempt_id=str(uuid.uuid4()))
    again = await commit(client, used, purchase_id, 401, attempt_id=str(uuid.uuid4()))
    for refused in (direct, again):
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("points-share-exceeded")
    assert await _status(client, used) == ("committed", None)

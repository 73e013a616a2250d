"""The checker's part for points held at a till (积分抵现): every acknowledged hold is in
loyalty, and the holds no till was told of run out."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import asyncpg

from services.loyalty.reservations import service as reservations
from shared.db import Sessions, transaction
from tests.faults.records import LoadLog
from tests.faults.verdict import Verdict, uuids


async def check_till(
    connection: asyncpg.Connection, log: LoadLog, verdict: Verdict
) -> list[uuid.UUID]:
    """Every acknowledged hold is a reservation in loyalty; returns the reservations of the
    run's members that no hold acknowledged and no sale uses (``till_violations`` audits
    the ledger entries of all).

    Such a hold is the product working as designed, not invented: orders stopped waiting
    for loyalty (503: the till may sell without points), a retry with the same key was
    refused (422, say too few points then), and the first request, stalled inside
    loyalty, held the points afterwards. No till knows its id, so no sale can use it, and
    the hold runs out: :func:`check_unheard_run_out` proves that. One a sale uses is
    unexpected.
    """
    rows = await connection.fetch(
        "SELECT reservation_id, purchase_id FROM loyalty.till_reservations "
        "WHERE member_id = ANY($1)",
        uuids(log.members),
    )
    used_by = {str(row["reservation_id"]): row["purchase_id"] for row in rows}
    acknowledged = {ack.body["reservation_id"]: key for key, ack in log.holds.items()}
    verdict.lost += [
        f"hold {key} ({rid}) is not in loyalty"
        for rid, key in acknowledged.items()
        if rid not in used_by
    ]
    unheard = sorted(set(used_by) - set(acknowledged))
    verdict.unexpected += [
        f"loyalty holds reservation {rid}, never acknowledged, for sale {used_by[rid]}"
        for rid in unheard
        if used_by[rid] is not None
    ]
    # how often the audits' following of pooling was put to work: credits of a hold or an
    # order that landed off the account it was made on (its member joined or left since)
    verdict.counts["credits across a household move"] = await connection.fetchval(
        "SELECT count(*) FROM loyalty.ledger_entries e "
        "LEFT JOIN loyalty.till_refunds t ON e.source_type = 'till_refund' "
        "AND t.source_id = e.source_id "
        "LEFT JOIN loyalty.till_reservations r ON r.reservation_id = CASE "
        "WHEN e.source_type = 'till_refund' THEN t.reservation_id ELSE e.source_id END "
        "LEFT JOIN loyalty.reward_orders o ON e.source_type = 'reward_refund' "
        "AND o.order_id = e.source_id "
        "WHERE e.source_type IN ('till_release', 'till_retake', 'till_refund', 'reward_refund') "
        "AND e.account_id <> coalesce(r.account_id, o.account_id) "
        "AND coalesce(r.member_id, o.member_id) = ANY($1)",
        uuids(log.members),
    )
    return uuids(rid for rid in unheard if used_by[rid] is None)


async def check_unheard_run_out(
    sessions: Sessions, unheard: Collection[uuid.UUID], verdict: Verdict
) -> None:
    """Loyalty's sweep, run as of the longest hold the till policy grants from now, gives
    back every hold no till was told of (``unheard``); one it does not is unexpected."""
    verdict.counts["holds no till was told of"] = len(unheard)
    if not unheard:
        return
    async with transaction(sessions) as session:
        hold_minutes = (await reservations.get_policy(session)).hold_minutes
    as_of = datetime.now(UTC) + timedelta(minutes=hold_minutes)
    while await reservations.release_due(sessions, as_of):
        pass
    async with transaction(sessions) as session:
        for reservation_id in unheard:
            found = await reservations.get_reservation(session, reservation_id)
            if found.status != "released":
                verdict.unexpected.append(
                    f"loyalty holds reservation {reservation_id}, never acknowledged, and the "
                    f"sweep leaves it {found.status}"
                )

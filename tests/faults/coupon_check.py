"""The checker's part for coupons held at a till (优惠券): each acknowledged coupon sale's
coupon redeemed once (given back once if its returns left less than the threshold), none
redeemed by a sale nobody acknowledged, and the holds no acknowledged sale used run out.

The expectations are the load's own arithmetic (:data:`~tests.faults.till_load.THRESHOLD_FEN`,
``off_fen``), not loyalty's pricing or restore rules.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.loyalty.reservations.service import get_policy
from services.loyalty.till_coupons import service as till_coupons
from shared.db import Sessions, transaction
from tests.faults.records import LoadLog
from tests.faults.till_load import THRESHOLD_FEN
from tests.faults.verdict import Verdict, uuids


def restore_expected(sale: dict[str, Any], returns: list[dict[str, Any]]) -> bool:
    """Whether the sale's returns leave it below the coupon's threshold (all of it back
    included), i.e. whether ``when_below_threshold`` gives the coupon back."""
    back = Counter[int]()
    for returned in returns:
        for line in returned["lines"]:
            back[line["line_no"]] += line["quantity"]
    kept: int = sum(
        (line["quantity"] - back[line["line_no"]]) * line["unit_price_fen"]
        for line in sale["lines"]
    )
    return kept < THRESHOLD_FEN


async def _events(
    connection: asyncpg.Connection, event_type: str, reason: str | None
) -> Counter[str]:
    """Loyalty's events of ``event_type`` (of ``reason`` if given) per reservation."""
    rows = await connection.fetch(
        "SELECT envelope->'data'->>'reservation_id' AS rid FROM loyalty.outbox "
        "WHERE event_type = $1 AND ($2::text IS NULL OR envelope->'data'->>'reason' = $2)",
        event_type,
        reason,
    )
    return Counter(str(row["rid"]) for row in rows)


def _reservation(hold: dict[str, Any]) -> str:
    """The reservation of the load's hold: one coupon each."""
    [coupon] = hold["coupons"]
    return str(coupon["reservation_id"])


async def check_coupons(
    connection: asyncpg.Connection, log: LoadLog, verdict: Verdict
) -> list[uuid.UUID]:
    """Compares the coupon redemptions of the members granted coupons with the load's
    holds and sales; returns the reservations no acknowledged sale used that are still
    held or committed, for :func:`check_coupons_run_out`."""
    rows = await connection.fetch(
        "SELECT reservation_id, purchase_id, status, discount_fen "
        "FROM loyalty.coupon_redemptions WHERE member_id = ANY($1)",
        uuids(set(log.coupons.values())),
    )
    found = {str(row["reservation_id"]): row for row in rows}
    held = {_reservation(ack.body): key for key, ack in log.coupon_holds.items()}
    verdict.lost += [
        f"coupon hold {key} ({rid}) is not in loyalty"
        for rid, key in held.items()
        if rid not in found
    ]
    returns: dict[str, list[dict[str, Any]]] = {}
    for ack in log.returns.values():
        returns.setdefault(ack.body["purchase_id"], []).append(ack.body)
    redeemed = await _events(connection, "loyalty.coupon.redeemed", None)
    restored = await _events(connection, "loyalty.coupon.released", "returned")
    used: set[str] = set()
    for sale_key, hold_key in log.coupon_sales.items():
        sale = log.purchases[sale_key].body
        rid = _reservation(log.coupon_holds[hold_key].body)
        used.add(rid)
        row = found.get(rid)
        if row is None:
            continue
        discount = sum(d["amount_fen"] for d in sale["discounts"])
        if discount != 1_000 or row["discount_fen"] != 1_000:
            verdict.unexpected.append(
                f"coupon sale {sale_key} took {discount} fen off, its coupon {row['discount_fen']}"
                " fen: 满100减10 takes 1000"
            )
        if str(row["purchase_id"]) != sale["id"] or row["status"] not in ("confirmed", "restored"):
            verdict.lost.append(
                f"coupon sale {sale_key}'s coupon (hold {rid}) is {row['status']} for sale "
                f"{row['purchase_id']}, not redeemed for {sale['id']}"
            )
            continue
        if redeemed[rid] != 1:
            (verdict.lost if redeemed[rid] == 0 else verdict.duplicated).append(
                f"coupon sale {sale_key}'s coupon (hold {rid}) was redeemed {redeemed[rid]} times"
            )
        back = restore_expected(sale, returns.get(sale["id"], []))
        if back != (row["status"] == "restored") or restored[rid] != int(back):
            (verdict.lost if back else verdict.unexpected).append(
                f"coupon sale {sale_key}'s coupon (hold {rid}) is {row['status']} with "
                f"{restored[rid]} returns giving it back; its returns leave it "
                + ("below" if back else "at or above")
                + f" the threshold of {THRESHOLD_FEN} fen"
            )
    sold = {log.purchases[key].body["id"] for key in log.coupon_sales}
    verdict.unexpected += [
        f"coupon hold {rid} is {row['status']} for sale {row['purchase_id']}, never acknowledged"
        for rid, row in found.items()
        if rid not in used
        and (row["status"] in ("confirmed", "restored") or str(row["purchase_id"]) in sold)
    ]
    verdict.counts.update(
        {
            "coupon holds": len(log.coupon_holds),
            "coupon sales": len(log.coupon_sales),
            "coupons given back by a return": sum(restored.values()),
        }
    )
    unused = [
        rid
        for rid, row in found.items()
        if rid not in used and row["status"] in ("held", "committed")
    ]
    return uuids(unused)


async def check_coupons_run_out(
    sessions: Sessions, unused: Collection[uuid.UUID], verdict: Verdict
) -> None:
    """Loyalty's coupon sweep, run as of the longest hold or grace the till policy grants
    from now, gives back every hold no acknowledged sale used (``unused``)."""
    verdict.counts["coupon holds no sale used, left to the sweep"] = len(unused)
    if not unused:
        return
    async with transaction(sessions) as session:
        policy = await get_policy(session)
    longest = max(policy.hold_minutes, policy.commit_grace_minutes)
    as_of = datetime.now(UTC) + timedelta(minutes=longest)
    while await till_coupons.release_due(sessions, as_of):
        pass
    async with transaction(sessions) as session:
        for reservation_id in unused:
            found = await till_coupons.get_reservation(session, reservation_id)
            if found.status != "released":
                verdict.unexpected.append(
                    f"coupon hold {reservation_id}, used by no acknowledged sale, is "
                    f"{found.status} after the sweep"
                )

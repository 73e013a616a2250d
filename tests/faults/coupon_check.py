"""The checker's part for coupons held at a till (优惠券): each coupon of an acknowledged
coupon sale's hold redeemed once for it, taking off each line what the load's arithmetic
says (the sale's discount per line the sum of its coupons' shares), and given back once if
its returns left the sale where, stacked as sold, it would take nothing off; no hold used in
part; none redeemed by a sale nobody acknowledged; and the holds no acknowledged sale used
run out.

The expectations are the load's own arithmetic (:data:`~tests.faults.till_load.COUPON_TERMS`,
stacked threshold-off before percent-off, shared out over the lines by
:func:`shared.allocation.allocate`), not loyalty's pricing or restore rules.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.loyalty.reservations.service import get_policy
from services.loyalty.till_coupons import service as till_coupons
from shared.allocation import allocate
from shared.db import Sessions, transaction
from tests.faults.records import LoadLog
from tests.faults.till_load import COUPON_TERMS
from tests.faults.verdict import Verdict, uuids

Shares = dict[int, int]
"""Fen a coupon takes off, by line number (lines it takes nothing off left out)."""


def stacked_shares(kinds: Sequence[str], amounts: Mapping[int, int]) -> dict[str, Shares]:
    """What each of the load's coupon ``kinds`` (one of each) takes off lines of
    ``amounts`` (fen by line number) stacked: threshold-off first, then percent-off on what
    it left, each shared over the lines with something left; ``{}`` for one that takes
    nothing (below the threshold, under 1 fen)."""
    left = dict(amounts)
    found: dict[str, Shares] = {}
    for kind in sorted(kinds, key=list(COUPON_TERMS).index):
        terms = COUPON_TERMS[kind]
        eligible = sum(left.values())
        if kind == "threshold_off":
            off = terms["off_fen"] if eligible >= terms["threshold_fen"] else 0
        else:
            off = min(eligible * terms["percent"] // 100, terms["cap_fen"])
        lines = sorted(no for no, fen in left.items() if fen > 0)
        shares = allocate([left[no] for no in lines], off)
        found[kind] = {no: fen for no, fen in zip(lines, shares, strict=True) if fen}
        for no, fen in found[kind].items():
            left[no] -= fen
    return found


def _kept(sale: dict[str, Any], returns: list[dict[str, Any]]) -> dict[int, int]:
    """What the sale keeps of each line (fen before discounts) after ``returns``."""
    back = Counter[int]()
    for returned in returns:
        for line in returned["lines"]:
            back[line["line_no"]] += line["quantity"]
    return {
        line["line_no"]: (line["quantity"] - back[line["line_no"]]) * line["unit_price_fen"]
        for line in sale["lines"]
    }


def restore_expected(
    sale: dict[str, Any], returns: list[dict[str, Any]], kinds: Sequence[str]
) -> dict[str, bool]:
    """Whether the sale's returns give each of its coupons (by kind) back under
    ``when_below_threshold``: all of it back, or, stacked as sold, the coupon takes nothing
    off what it keeps. Judging the final kept basket is enough: it only shrinks, and a
    threshold-off that still applies leaves the percent-off at least 5% of 90 yuan."""
    kept = _kept(sale, returns)
    everything = all(fen == 0 for fen in kept.values())
    return {kind: everything or not shares for kind, shares in stacked_shares(kinds, kept).items()}


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


def check_discounts(
    sale_key: str, sale: dict[str, Any], coupons: list[dict[str, Any]], verdict: Verdict
) -> dict[str, int]:
    """Each coupon's shares on the sale as the load's arithmetic has them, and each line's
    discount their sum; returns each coupon's expected discount by reservation."""
    amounts = {line["line_no"]: line["quantity"] * line["unit_price_fen"] for line in sale["lines"]}
    expected = stacked_shares([c["kind"] for c in coupons], amounts)
    given = {str(d.get("reservation_id")): d for d in sale["discounts"]}
    per_line = Counter[int]()
    totals: dict[str, int] = {}
    for coupon in coupons:
        rid = str(coupon["reservation_id"])
        want = expected[coupon["kind"]]
        totals[rid] = sum(want.values())
        lines = given.get(rid, {}).get("lines", [])
        got = {line["line_no"]: line["discount_fen"] for line in lines if line["discount_fen"]}
        per_line.update(got)
        if got != want:
            verdict.unexpected.append(
                f"coupon sale {sale_key}'s {coupon['kind']} (hold {rid}) took {got} fen off "
                f"by line, the load's arithmetic {want}"
            )
    for line in sale["lines"]:
        if line.get("discount_fen", 0) != per_line[line["line_no"]]:
            verdict.unexpected.append(
                f"coupon sale {sale_key}'s line {line['line_no']} took {line.get('discount_fen')}"
                f" fen off, its coupons' shares add up to {per_line[line['line_no']]}"
            )
    return totals


async def _split_holds(connection: asyncpg.Connection, members: list[uuid.UUID]) -> list[str]:
    """Holds (acknowledged or not) a sale used in part: some coupons redeemed for a sale
    (confirmed or restored since), others not or for another one."""
    rows = await connection.fetch(
        "SELECT hold_id, string_agg(status || ' ' || coalesce(purchase_id::text, '-'), ', ' "
        "ORDER BY status) "
        "AS what FROM loyalty.coupon_redemptions WHERE member_id = ANY($1) GROUP BY hold_id "
        "HAVING count(*) FILTER (WHERE status IN ('confirmed', 'restored')) > 0 AND ("
        "count(*) FILTER (WHERE status NOT IN ('confirmed', 'restored')) > 0 "
        "OR count(DISTINCT purchase_id) > 1)",
        members,
    )
    return [f"coupon hold {row['hold_id']} was used in part: {row['what']}" for row in rows]


async def check_coupons(
    connection: asyncpg.Connection, log: LoadLog, verdict: Verdict
) -> list[uuid.UUID]:
    """Compares the coupon redemptions of the members granted coupons with the load's
    holds and sales; returns the reservations no acknowledged sale used that are still
    held or committed, for :func:`check_coupons_run_out`."""
    members = uuids(set(log.coupons.values()))
    rows = await connection.fetch(
        "SELECT reservation_id, purchase_id, status, discount_fen "
        "FROM loyalty.coupon_redemptions WHERE member_id = ANY($1)",
        members,
    )
    found = {str(row["reservation_id"]): row for row in rows}
    held = {
        str(coupon["reservation_id"]): key
        for key, ack in log.coupon_holds.items()
        for coupon in ack.body["coupons"]
    }
    verdict.lost += [
        f"coupon hold {key} ({rid}) is not in loyalty"
        for rid, key in held.items()
        if rid not in found
    ]
    verdict.unexpected += await _split_holds(connection, members)
    returns: dict[str, list[dict[str, Any]]] = {}
    for ack in log.returns.values():
        returns.setdefault(ack.body["purchase_id"], []).append(ack.body)
    redeemed = await _events(connection, "loyalty.coupon.redeemed", None)
    restored = await _events(connection, "loyalty.coupon.released", "returned")
    used: set[str] = set()
    stacked = stacked_returned = 0
    for sale_key, hold_key in log.coupon_sales.items():
        sale = log.purchases[sale_key].body
        coupons = log.coupon_holds[hold_key].body["coupons"]
        stacked += len(coupons) > 1
        stacked_returned += len(coupons) > 1 and sale["id"] in returns
        totals = check_discounts(sale_key, sale, coupons, verdict)
        back = restore_expected(sale, returns.get(sale["id"], []), [c["kind"] for c in coupons])
        for coupon in coupons:
            rid = str(coupon["reservation_id"])
            used.add(rid)
            row = found.get(rid)
            if row is None:
                continue
            if row["discount_fen"] != totals[rid]:
                verdict.unexpected.append(
                    f"coupon sale {sale_key}'s {coupon['kind']} (hold {rid}) is redeemed for "
                    f"{row['discount_fen']} fen, the load's arithmetic {totals[rid]}"
                )
            if not _redeemed_for(sale_key, sale, coupon["kind"], row, verdict):
                continue
            if redeemed[rid] != 1:
                (verdict.lost if redeemed[rid] == 0 else verdict.duplicated).append(
                    f"coupon sale {sale_key}'s coupon (hold {rid}) was redeemed "
                    f"{redeemed[rid]} times"
                )
            expected = back[coupon["kind"]]
            if expected != (row["status"] == "restored") or restored[rid] != int(expected):
                (verdict.lost if expected else verdict.unexpected).append(
                    f"coupon sale {sale_key}'s {coupon['kind']} (hold {rid}) is {row['status']}"
                    f" with {restored[rid]} returns giving it back; its returns should "
                    + ("" if expected else "not ")
                    + "give it back"
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
            "of them stacked": stacked,
            "stacked sales with a return": stacked_returned,
            # the load's own holds: the database may hold other runs' coupons
            "coupons given back by a return": sum(restored[rid] for rid in held),
        }
    )
    unused = [
        rid
        for rid, row in found.items()
        if rid not in used and row["status"] in ("held", "committed")
    ]
    return uuids(unused)


def _redeemed_for(
    sale_key: str, sale: dict[str, Any], kind: str, row: asyncpg.Record, verdict: Verdict
) -> bool:
    """Whether the coupon's redemption is the sale's (confirmed, or restored since); a
    lost coupon sale if not."""
    if str(row["purchase_id"]) == sale["id"] and row["status"] in ("confirmed", "restored"):
        return True
    verdict.lost.append(
        f"coupon sale {sale_key}'s {kind} (hold {row['reservation_id']}) is "
        f"{row['status']} for sale {row['purchase_id']}, not redeemed for {sale['id']}"
    )
    return False


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

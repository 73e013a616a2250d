"""The invariants of lottery draws, checked against the database:

- ``lottery_quotas``: each prize's count of a day (``won``) is the number of draws that
  gave it that day, and never above its quota;
- ``lottery_chances``: each member's unused chances in a campaign are the sum of their
  chance entries and never negative, and each draw spent exactly one;
- ``lottery_delivery``: each prize given was delivered exactly once: a points prize by
  one ``lottery_prize`` ledger entry of its points on the draw's account, a coupon by the
  coupon granted with key ``draw:<id>`` of its definition, a gift by one fulfilment; and
  nothing was delivered for a draw that gave no such prize.

It reads the tables directly (SQL): an audit over one snapshot, not a use case. The
fault checker and the tests expect no violations. ``members`` limits it to their draws
and chances (the quotas are always checked whole: every member's draws count).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant, Violation
from shared.db import AsyncSession

_QUOTAS = """
SELECT q.prize_id, q.day, q.quota, q.won, count(d.draw_id) AS drawn
FROM loyalty.lottery_quotas q
LEFT JOIN loyalty.lottery_draws d ON d.prize_id = q.prize_id AND d.quota_day = q.day
GROUP BY q.prize_id, q.day, q.quota, q.won
HAVING q.won <> count(d.draw_id) OR q.won > q.quota
UNION ALL
SELECT d.prize_id, d.quota_day, 0, 0, count(*) FROM loyalty.lottery_draws d
WHERE d.prize_id IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM loyalty.lottery_quotas q WHERE q.prize_id = d.prize_id AND q.day = d.quota_day)
GROUP BY d.prize_id, d.quota_day
"""

_CHANCES = """
SELECT c.campaign_id, c.member_id, c.balance, coalesce(sum(e.chances), 0) AS total
FROM loyalty.lottery_chances c
LEFT JOIN loyalty.lottery_chance_entries e
  ON e.campaign_id = c.campaign_id AND e.member_id = c.member_id
WHERE (CAST(:members AS uuid[]) IS NULL OR c.member_id = ANY(CAST(:members AS uuid[])))
GROUP BY c.campaign_id, c.member_id, c.balance
HAVING c.balance <> coalesce(sum(e.chances), 0) OR c.balance < 0
"""

_SPENT = """
SELECT d.draw_id, count(e.entry_id) AS spent FROM loyalty.lottery_draws d
LEFT JOIN loyalty.lottery_chance_entries e
  ON e.source_type = 'draw' AND e.source_id = d.draw_id AND e.chances = -1
WHERE (CAST(:members AS uuid[]) IS NULL OR d.member_id = ANY(CAST(:members AS uuid[])))
GROUP BY d.draw_id HAVING count(e.entry_id) <> 1
"""

_DELIVERED = """
SELECT d.draw_id, p.kind,
  (SELECT count(*) FROM loyalty.ledger_entries l WHERE l.source_type = 'lottery_prize'
     AND l.source_id = d.draw_id AND l.account_id = d.account_id
     AND l.points = p.points) AS points_entries,
  (SELECT count(*) FROM loyalty.ledger_entries l WHERE l.source_type = 'lottery_prize'
     AND l.source_id = d.draw_id) AS any_entries,
  (SELECT count(*) FROM loyalty.coupons c WHERE c.grant_key = 'draw:' || d.draw_id::text
     AND c.id = d.coupon_id AND c.definition_id = p.definition_id) AS coupons,
  (SELECT count(*) FROM loyalty.coupons c
     WHERE c.grant_key = 'draw:' || d.draw_id::text) AS any_coupons,
  (SELECT count(*) FROM loyalty.lottery_fulfilments f WHERE f.draw_id = d.draw_id) AS gifts
FROM loyalty.lottery_draws d LEFT JOIN loyalty.lottery_prizes p ON p.prize_id = d.prize_id
WHERE (CAST(:members AS uuid[]) IS NULL OR d.member_id = ANY(CAST(:members AS uuid[])))
"""

_EXPECTED = {
    None: (0, 0, 0, 0, 0),
    "points": (1, 1, 0, 0, 0),
    "coupon": (0, 0, 1, 1, 0),
    "gift": (0, 0, 0, 0, 1),
}
"""Per prize kind: (its points entry, any entry, its coupon, any coupon, fulfilments)."""


async def lottery_violations(
    session: AsyncSession, members: Collection[uuid.UUID] | None = None
) -> list[Violation]:
    """Every violation of the invariants (see the module)."""
    scope = {"members": list(members) if members is not None else None}
    violations = [
        Violation(
            Invariant.LOTTERY_QUOTAS,
            row.prize_id,
            f"prize {row.prize_id} on {row.day}: won {row.won} of {row.quota}, "
            f"{row.drawn} draws gave it",
        )
        for row in await session.execute(text(_QUOTAS))
    ]
    violations += [
        Violation(
            Invariant.LOTTERY_CHANCES,
            row.member_id,
            f"member {row.member_id} in {row.campaign_id}: {row.balance} chances, "
            f"entries add up to {row.total}",
        )
        for row in await session.execute(text(_CHANCES), scope)
    ]
    violations += [
        Violation(
            Invariant.LOTTERY_CHANCES,
            row.draw_id,
            f"draw {row.draw_id} spent {row.spent} chance entries",
        )
        for row in await session.execute(text(_SPENT), scope)
    ]
    for row in await session.execute(text(_DELIVERED), scope):
        found = (row.points_entries, row.any_entries, row.coupons, row.any_coupons, row.gifts)
        if found != _EXPECTED[row.kind]:
            violations.append(
                Violation(
                    Invariant.LOTTERY_DELIVERY,
                    row.draw_id,
                    f"draw {row.draw_id} ({row.kind or 'no prize'}): points entries, "
                    f"coupons, gifts {found}, expected {_EXPECTED[row.kind]}",
                )
            )
    return violations

"""The checker's part for lottery draws: every acknowledged draw is recorded once, and the
draws' invariants hold (quotas never exceeded, chances = their entries ≥ 0, each prize
delivered once)."""

from __future__ import annotations

from collections import Counter

import asyncpg

from services.loyalty.lottery.invariants import lottery_violations
from shared.db import AsyncSession
from tests.faults.records import LoadLog
from tests.faults.verdict import Verdict, uuids


async def check_draws(connection: asyncpg.Connection, log: LoadLog, verdict: Verdict) -> None:
    if not log.lottery:
        return
    rows = await connection.fetch(
        "SELECT draw_id FROM loyalty.lottery_draws WHERE campaign_id = $1",
        uuids([log.lottery["id"]])[0],
    )
    seen = Counter(str(row["draw_id"]) for row in rows)
    for key, ack in log.draws.items():
        found = seen[ack.body["draw_id"]]
        if found == 0:
            verdict.lost.append(f"draw {key} ({ack.body['draw_id']}) is not in loyalty")
        elif found > 1:
            verdict.duplicated.append(f"draw {key} is recorded {found} times")


async def audit_draws(session: AsyncSession, log: LoadLog, verdict: Verdict) -> None:
    violations = await lottery_violations(session, uuids(log.members))
    verdict.unexpected += [f"lottery: {violation}" for violation in violations]

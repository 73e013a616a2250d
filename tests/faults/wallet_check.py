"""The checker's part for stored value (储值): every acknowledged deposit is in exactly one
lot of its member's wallet, and the wallets' own invariants hold (balance = the ledger's
sum ≥ 0, lots hold the balance, each hold taken and given back exactly)."""

from __future__ import annotations

from collections import Counter

import asyncpg

from services.loyalty.wallets.invariants import wallet_violations
from shared.db import AsyncSession
from tests.faults.records import LoadLog
from tests.faults.verdict import Verdict, uuids


async def check_deposits(connection: asyncpg.Connection, log: LoadLog, verdict: Verdict) -> None:
    """Each member's acknowledged deposits against their lots: fewer is lost, more is
    duplicated (the till's retries carry one key, so one deposit each)."""
    acknowledged = Counter(
        (ack.body["member_id"], ack.body["principal_fen"]) for ack in log.deposits.values()
    )
    rows = await connection.fetch(
        "SELECT member_id, principal_fen FROM loyalty.wallet_lots WHERE member_id = ANY($1)",
        uuids(log.members),
    )
    found = Counter((str(row["member_id"]), int(row["principal_fen"])) for row in rows)
    for (member, fen), count in (acknowledged | found).items():
        if found[(member, fen)] < acknowledged[(member, fen)]:
            verdict.lost.append(f"deposit of {fen} fen for {member} is not in the wallet")
        elif found[(member, fen)] > acknowledged[(member, fen)]:
            verdict.duplicated.append(
                f"member {member} has {count} deposits of {fen} fen, "
                f"{acknowledged[(member, fen)]} acknowledged"
            )
    verdict.counts["deposits"] = len(log.deposits)


async def check_wallets(session: AsyncSession, log: LoadLog, verdict: Verdict) -> None:
    violations = await wallet_violations(session, uuids(log.members))
    verdict.unexpected += [f"wallets: {violation}" for violation in violations]

"""``python -m bench.earn_batch``: what loyalty's consumer spends per purchase event.

Applies ``orders.purchase.completed`` events through loyalty's own consumer runner
(``EventConsumer.apply``, the inbox, ``start_batch`` and the handlers, as a ``getmany()``
batch is applied) on an embedded PostgreSQL of its own, in batches of 200, under an active
campaign (``bench.population.bench_campaign``) with the demo's four tiers and earning rule,
and prints per event: the statements sent (a SQLAlchemy ``before_cursor_execute`` counter),
the wall time and this process's CPU (``time.process_time()``). The sales are the load
generator's (``bench.load.sale_lines``); every tenth has a discounted line (a coupon used at
the till), so that the coupons' redemption path is walked too. The members earned once before
the measured batches, as the bench's members are known to loyalty before its load.
``--statements`` also prints each distinct statement (its first 120 characters) per event;
``--batch N`` applies batches of N events instead (2,000 events measured whatever N): near
saturation the consumer's batches hold a few to tens of events, so what each batch costs
once (the inbox's claim, the locks, the program's reads, the outbox write) weighs more.
"""

from __future__ import annotations

import asyncio
import random
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import alone
from bench.load import sale_lines
from bench.population import bench_campaign
from huiyuan.demo import DEMO_EARNING_RULE, DEMO_LADDER
from services.loyalty.campaigns import service as campaigns
from services.loyalty.campaigns.schemas import CampaignIn
from services.loyalty.config import Settings
from services.loyalty.program.schemas import EarningRuleIn, TierIn
from services.loyalty.rules.service import set_earning_rule
from services.loyalty.tiers.service import replace_ladder
from shared.db import Sessions, create_engine, create_sessions, transaction
from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseLine

MEMBERS = 3000
BATCH = 200
MEASURED = 2000
WARMING = 400


def _purchase(rng: random.Random, member_id: uuid.UUID, discounted: bool) -> CloudEvent:
    lines = []
    for number, line in enumerate(sale_lines(rng), 1):
        gross = line["quantity"] * line["unit_price_fen"]
        off = min(gross, 3_000) if discounted and number == 1 else 0
        lines.append(
            PurchaseLine(
                line_no=number,
                sku=line["sku"],
                category=line["category"],
                quantity=line["quantity"],
                unit_price_fen=line["unit_price_fen"],
                amount_fen=gross - off,
                discount_fen=off,
            )
        )
    payload = PurchaseCompleted(
        purchase_id=uuid.uuid4(),
        member_id=member_id,
        store_id=uuid.uuid4(),
        lines=tuple(lines),
        total_fen=sum(line.amount_fen for line in lines),
        purchased_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


async def _seed(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        await replace_ladder(session, [TierIn.model_validate(t) for t in DEMO_LADDER])
        await set_earning_rule(session, EarningRuleIn.model_validate(DEMO_EARNING_RULE))
    async with transaction(sessions) as session:
        terms = bench_campaign(datetime.now(UTC) - timedelta(seconds=5))
        await campaigns.create(session, CampaignIn.model_validate(terms), by="bench")


def _batch_size() -> int:
    if "--batch" in sys.argv:
        return int(sys.argv[sys.argv.index("--batch") + 1])
    return BATCH


async def _measure(url: str) -> None:
    size = _batch_size()
    batches_n, warming = MEASURED // size, max(2, WARMING // size)
    engine = create_engine(Settings(database_url=url))
    sessions = create_sessions(engine)
    consumer = alone.consumer("loyalty", sessions)
    rng = random.Random(19)
    members = [uuid.uuid4() for _ in range(MEMBERS)]
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split())[:120])

    try:
        await _seed(sessions)
        for start in range(0, MEMBERS, BATCH):  # every member known, as in the bench
            known = [_purchase(rng, m, False) for m in members[start : start + BATCH]]
            await alone.apply_batch(consumer, known)
        batches = [
            [_purchase(rng, rng.choice(members), i % 10 == 0) for i in range(size)]
            for _ in range(batches_n + warming)
        ]
        for batch in batches[:warming]:  # warm the statement caches
            await alone.apply_batch(consumer, batch)
        cpu, wall = await alone.timed_batches(consumer, engine, batches[warming:], count)
        n = size * batches_n
        print(
            f"{batches_n} batches of {size} purchase events, campaign on, 1 in 10 discounted: "
            f"{len(sent) / n:.2f} statements, {wall / n * 1000:.3f} ms wall, "
            f"{cpu / n * 1000:.3f} ms CPU per event"
        )
        if "--statements" in sys.argv:
            for statement, times in Counter(sent).most_common():
                print(f"{times / n:8.3f}  {statement}")
    finally:
        await engine.dispose()


async def main() -> None:
    async with alone.migrated("loyalty") as scratch:
        await _measure(scratch.database_url)


if __name__ == "__main__":
    asyncio.run(main())

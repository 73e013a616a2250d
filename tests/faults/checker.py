"""After a fault run: wait for the system to drain, then compare it with what was acknowledged.

In the manner of Jepsen's set checkers, each acknowledged operation must be in the data
exactly once: missing is *lost*, twice is *duplicated*, and anything in the data that
the load generator was never told about (or was told was refused) is *unexpected*, but
for points or a coupon held at a till that no acknowledged sale used: those must run out
(``check_till``, ``check_coupons``). The ledger's own invariants must hold as well, and
orders' (a sale's total, discounts, tenders and returns add up:
``services.orders.purchases.invariants``).
"""

from __future__ import annotations

import asyncio
import email
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from huiyuan.embedded.provider_store import eml_path, read_inbox, read_repeats
from huiyuan.provision import SERVICES
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.reservations.invariants import till_violations
from services.loyalty.till_coupons.invariants import coupon_till_violations
from services.messaging.config import Settings as MessagingSettings
from services.messaging.delivery.jobs import in_flight_limit
from services.orders.purchases.invariants import sale_violations
from shared.db import asyncpg_dsn, create_sessions
from tests.faults.coupon_check import check_coupons, check_coupons_run_out
from tests.faults.draw_check import audit_draws, check_draws
from tests.faults.records import LoadLog
from tests.faults.referral_flow import check_referrals
from tests.faults.repeats import FaultAt, tally
from tests.faults.till_check import check_till, check_unheard_run_out
from tests.faults.verdict import Verdict, uuids
from tests.faults.wallet_check import check_deposits, check_wallets


async def drain(admin_url: str, log: LoadLog, stall_timeout: float = 120) -> float:
    """Wait until every outbox is empty and loyalty and messaging have caught up.

    A long run can leave a long backlog (the dispatcher sends more slowly than the load
    queues), so this waits as long as anything moves and gives up only after
    ``stall_timeout`` seconds without progress. Returns how long it took.
    """
    started = time.monotonic()
    purchases = uuids(ack.body["id"] for ack in log.purchases.values())
    returns = uuids(ack.body["id"] for ack in log.returns.values())
    connection = await asyncpg.connect(asyncpg_dsn(admin_url))
    last_progress, last_state = time.monotonic(), None
    try:
        settled_polls = 0
        while settled_polls < 3:
            pending = 0
            for service in SERVICES:
                pending += await connection.fetchval(
                    f"SELECT count(*) FROM {service}.outbox WHERE published_at IS NULL"
                )
            earned = await connection.fetchval(
                "SELECT count(DISTINCT source_id) FROM loyalty.ledger_entries "
                "WHERE source_type = 'purchase' AND source_id = ANY($1)",
                purchases,
            )
            reversed_ = await connection.fetchval(
                "SELECT count(DISTINCT source_id) FROM loyalty.ledger_entries "
                "WHERE source_type = 'return' AND source_id = ANY($1)",
                returns,
            )
            queued = await connection.fetchval(
                "SELECT count(*) FROM messaging.notifications WHERE status IN ('queued', 'sending')"
            )
            unpooled = sum(
                loyalty != customer
                for loyalty, customer in (await _households(connection, log)).values()
            )
            state = (pending, earned, reversed_, queued, unpooled)
            done = state == (0, len(purchases), len(returns), 0, 0)
            settled_polls = settled_polls + 1 if done else 0
            if state != last_state:
                last_progress, last_state = time.monotonic(), state
            if time.monotonic() - last_progress > stall_timeout:
                raise TimeoutError(
                    f"stuck for {stall_timeout:.0f}s: {pending} unpublished outbox rows, "
                    f"{earned}/{len(purchases)} purchases earned, "
                    f"{reversed_}/{len(returns)} returns reversed, {queued} notifications queued, "
                    f"{unpooled} members pooled otherwise than their household says"
                )
            await asyncio.sleep(0.5)
    finally:
        await connection.close()
    return time.monotonic() - started


async def check(
    admin_url: str, log: LoadLog, provider_dir: Path, faults: Sequence[FaultAt] = ()
) -> Verdict:
    """What the system holds against what the load was told; ``faults`` (when each was
    applied) blame each repeated message on one."""
    verdict = Verdict()
    connection = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await check_orders(connection, log, verdict)
        await check_loyalty(connection, log, verdict)
        await check_households(connection, log, verdict)
        unheard = await check_till(connection, log, verdict)
        unused = await check_coupons(connection, log, verdict)
        await check_draws(connection, log, verdict)
        await check_deposits(connection, log, verdict)
        await check_messaging(connection, log, provider_dir, verdict, faults)
    finally:
        await connection.close()
    engine = create_async_engine(admin_url)
    try:
        # before the audits: they then find each of these releases on the ledger once
        sessions = create_sessions(engine)
        await check_unheard_run_out(sessions, unheard, verdict)
        await check_coupons_run_out(sessions, unused, verdict)
        await check_referrals(sessions, log, verdict)
        async with AsyncSession(engine) as session:
            verdict.ledger = await check_ledger_invariants(session, members=uuids(log.members))
            # points at the till: held, released and refunded points all accounted for
            till = await till_violations(session, uuids(log.members))
            verdict.unexpected += [f"till: {violation}" for violation in till]
            # sales, discounts, tenders and returns add up to the fen
            sales = await sale_violations(session, uuids(store for store, _ in log.stores))
            verdict.unexpected += [f"orders: {violation}" for violation in sales]
            # coupons at the till: each used at most once, each redeemed one with its sale
            coupons = await coupon_till_violations(session, uuids(log.members))
            verdict.unexpected += [f"till coupons: {violation}" for violation in coupons]
            await audit_draws(session, log, verdict)
            # stored value: balance = ledger sum ≥ 0, lots hold it, holds taken/given once
            await check_wallets(session, log, verdict)
    finally:
        await engine.dispose()
    verdict.counts.update(
        purchases=sum("-p-" in key for key in log.purchases),
        **{"till sales": sum("-p-" not in key for key in log.purchases)},
        holds=len(log.holds),
        returns=len(log.returns),
        redemptions=len(log.redemptions),
        reward_orders=len(log.reward_orders),
        reward_cancels=len(log.reward_cancels),
        draws=len(log.draws),
        **{
            f"rejected {kind} {status}": count
            for (kind, status), count in Counter(
                (kind, status) for kind, status, _ in log.rejected.values()
            ).items()
        },
        retries=log.retries,
    )
    if log.unacknowledged:
        verdict.lost += [f"never acknowledged: {key}" for key in sorted(log.unacknowledged)]
    return verdict


async def check_orders(connection: asyncpg.Connection, log: LoadLog, verdict: Verdict) -> None:
    stores = uuids(store for store, _ in log.stores)
    rows = await connection.fetch(
        "SELECT id, receipt_no FROM orders.purchases WHERE store_id = ANY($1)", stores
    )
    by_receipt = Counter(row["receipt_no"] for row in rows)
    ids = {str(row["id"]) for row in rows}
    for key, ack in log.purchases.items():
        if by_receipt[key] == 0 or ack.body["id"] not in ids:
            verdict.lost.append(f"purchase {key} ({ack.body['id']}) is not in orders")
        elif by_receipt[key] > 1:
            verdict.duplicated.append(f"purchase {key} is in orders {by_receipt[key]} times")
    for receipt in by_receipt:
        if receipt not in log.purchases:
            verdict.unexpected.append(f"orders holds purchase {receipt}, never acknowledged")

    returns = await connection.fetch(
        "SELECT id, purchase_id FROM orders.purchase_returns WHERE purchase_id = ANY($1)",
        uuids(ids),
    )
    per_purchase = Counter(str(row["purchase_id"]) for row in returns)
    return_ids = {str(row["id"]) for row in returns}
    acked = {ack.body["id"]: key for key, ack in log.returns.items()}
    verdict.lost += [
        f"return {key} is not in orders" for rid, key in acked.items() if rid not in return_ids
    ]
    verdict.unexpected += [
        f"orders holds return {rid}, never acknowledged" for rid in return_ids - set(acked)
    ]
    verdict.duplicated += [
        f"purchase {pid} was returned {n} times" for pid, n in per_purchase.items() if n > 1
    ]


async def check_loyalty(connection: asyncpg.Connection, log: LoadLog, verdict: Verdict) -> None:
    entries = await connection.fetch(
        # DISTINCT: a household's account has several holders among the members
        "SELECT DISTINCT e.id, e.source_type, e.source_id FROM loyalty.ledger_entries e "
        "JOIN loyalty.account_holders h USING (account_id) "
        "WHERE h.member_id = ANY($1) AND e.source_type IN "
        "('purchase', 'return', 'redemption', 'reward_order', 'reward_refund')",
        uuids(log.members),
    )

    def sources(source_type: str) -> Counter[str]:
        return Counter(str(e["source_id"]) for e in entries if e["source_type"] == source_type)

    earns, reversals, redemptions, orders, refunds = map(
        sources, ("purchase", "return", "redemption", "reward_order", "reward_refund")
    )
    ordered = {ack.body["order_id"] for ack in log.reward_orders.values()}
    for label, seen, acknowledged in (
        ("earn for purchase", earns, {ack.body["id"] for ack in log.purchases.values()}),
        ("reversal for return", reversals, {ack.body["id"] for ack in log.returns.values()}),
        (
            "redemption",
            redemptions,
            {ack.body["redemption_id"] for ack in log.redemptions.values()},
        ),
        ("spend for reward order", orders, ordered),
        (
            "refund for reward order",
            refunds,
            {ack.body["order_id"] for ack in log.reward_cancels.values()},
        ),
    ):
        for item in acknowledged:
            if seen[item] == 0:
                verdict.lost.append(f"loyalty has no {label} {item}")
            elif seen[item] > 1:
                verdict.duplicated.append(f"loyalty has {seen[item]} of {label} {item}")
        verdict.unexpected += [
            f"loyalty has {label} {item}, never acknowledged" for item in set(seen) - acknowledged
        ]
    await _check_reward_stock(connection, log, verdict)


async def _check_reward_stock(
    connection: asyncpg.Connection, log: LoadLog, verdict: Verdict
) -> None:
    """The item's stock is its starting stock less the units of the orders acknowledged and
    not acknowledged as cancelled: fewer is units taken that no order acknowledged,
    more is units of an acknowledged order lost."""
    if not log.reward_item:
        return
    cancelled = {ack.body["order_id"] for ack in log.reward_cancels.values()}
    held = sum(
        ack.body["quantity"]
        for ack in log.reward_orders.values()
        if ack.body["order_id"] not in cancelled
    )
    stock = await connection.fetchval(
        "SELECT stock FROM loyalty.reward_items WHERE id = $1",
        uuid.UUID(log.reward_item["id"]),
    )
    expected = log.reward_item["stock"] - held
    if stock != expected:
        found = f"reward stock is {stock}, the acknowledged orders leave {expected}"
        (verdict.unexpected if stock < expected else verdict.lost).append(found)


async def _households(
    connection: asyncpg.Connection, log: LoadLog
) -> dict[str, tuple[str | None, str | None]]:
    """For each member of the load: the household loyalty pools their account into, and
    the one customer has them in."""
    rows = await connection.fetch(
        "SELECT o.member_id, h.household_id AS pooled, m.household_id AS member_of "
        "FROM loyalty.account_holders o JOIN loyalty.accounts a USING (account_id) "
        "LEFT JOIN loyalty.households h ON h.account_id = a.pooled_into "
        "LEFT JOIN customer.household_members m ON m.member_id = o.member_id "
        "WHERE o.role = 'owner' AND o.member_id = ANY($1)",
        uuids(log.members),
    )

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {str(r["member_id"]): (text(r["pooled"]), text(r["member_of"])) for r in rows}


async def check_households(connection: asyncpg.Connection, log: LoadLog, verdict: Verdict) -> None:
    """Customer holds every acknowledged joining and leaving, and loyalty pools each member's
    account into the household customer has them in, and no other."""
    for member, (pooled, member_of) in (await _households(connection, log)).items():
        acknowledged = log.in_household.get(member)
        if member_of != acknowledged:
            label = verdict.lost if acknowledged is not None else verdict.unexpected
            label.append(
                f"customer has member {member} in {member_of}, acknowledged {acknowledged}"
            )
        if pooled != member_of:
            verdict.lost.append(f"loyalty pools member {member} into {pooled}, not {member_of}")
    verdict.counts["households"] = len(log.households)
    await _check_membership_versions(connection, log, verdict)


async def _check_membership_versions(
    connection: asyncpg.Connection, log: LoadLog, verdict: Verdict
) -> None:
    """Loyalty applied each member's household changes up to customer's last version, and
    keeps none waiting for an earlier one."""
    members = uuids(log.members)
    rows = await connection.fetch(
        "SELECT c.member_id, c.version, l.version AS applied "
        "FROM customer.household_membership_versions c "
        "LEFT JOIN loyalty.household_membership_versions l USING (member_id) "
        "WHERE c.member_id = ANY($1)",
        members,
    )
    for row in rows:
        if row["applied"] != row["version"]:
            verdict.lost.append(
                f"loyalty applied member {row['member_id']}'s household changes up to version "
                f"{row['applied']}, customer made {row['version']}"
            )
    waiting = await connection.fetch(
        "SELECT member_id, version FROM loyalty.household_early_changes WHERE member_id = ANY($1)",
        members,
    )
    for row in waiting:
        verdict.lost.append(
            f"loyalty still keeps member {row['member_id']}'s change {row['version']} early"
        )
    verdict.counts["household changes"] = sum(row["version"] for row in rows)


async def check_messaging(
    connection: asyncpg.Connection,
    log: LoadLog,
    provider_dir: Path,
    verdict: Verdict,
    faults: Sequence[FaultAt] = (),
) -> None:
    notifications = await connection.fetch(
        "SELECT id, channel, trigger_event_id, status FROM messaging.notifications "
        "WHERE member_id = ANY($1)",
        uuids(log.members),
    )
    per_trigger = Counter((n["trigger_event_id"], n["channel"]) for n in notifications)
    verdict.duplicated += [
        f"{count} {channel} notifications for event {event}"
        for (event, channel), count in per_trigger.items()
        if count > 1
    ]
    inbox = read_inbox(provider_dir)
    limit = in_flight_limit(MessagingSettings())
    verdict.repeats = tally(read_repeats(provider_dir), inbox, faults, limit)
    sms_per_key = Counter(sms.idempotency_key for sms in inbox.sms)
    message_ids = Counter(
        email.message_from_bytes(eml_path(provider_dir, mail.id).read_bytes())["Message-ID"]
        for mail in inbox.emails
    )
    emailed = {str(mid).strip("<>").partition("@")[0] for mid in message_ids}
    # a provider's delivery receipt moves a sent SMS on to delivered or undelivered
    sent = [n for n in notifications if n["status"] in ("sent", "delivered", "undelivered")]
    for notification in sent:
        nid = str(notification["id"])
        if notification["channel"] == "sms":
            if sms_per_key[nid] == 0:
                verdict.lost.append(f"sms {nid} marked sent but never reached the gateway")
            elif sms_per_key[nid] > 1:
                verdict.duplicated.append(f"sms {nid} reached the gateway {sms_per_key[nid]} times")
        elif nid not in emailed:
            verdict.lost.append(f"email {nid} marked sent but never reached the SMTP server")
    verdict.counts["notifications sent"] = len(sent)

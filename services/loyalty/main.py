"""The loyalty service: points and tiers."""

from __future__ import annotations

from fastapi import FastAPI

from services.loyalty.adjustments import api as adjustments
from services.loyalty.base import audit, idempotency, inbox, job_runs, outbox
from services.loyalty.campaigns import api as campaigns
from services.loyalty.campaigns.jobs import close_out
from services.loyalty.config import Settings
from services.loyalty.consumers import HANDLERS, start_batch
from services.loyalty.coupon_bands import api as coupon_bands
from services.loyalty.coupon_bands import jobs as band_jobs
from services.loyalty.coupons import api as coupons
from services.loyalty.coupons import jobs as coupon_jobs
from services.loyalty.coupons.batches import api as coupon_batches
from services.loyalty.coupons.batches.jobs import grant_batches
from services.loyalty.coupons.birthdays import api as birthday_coupons
from services.loyalty.households import api as households
from services.loyalty.lots import api as lots
from services.loyalty.lots import jobs as lot_jobs
from services.loyalty.lottery import api as lottery
from services.loyalty.members import api as members
from services.loyalty.privacy import api as privacy
from services.loyalty.program import api as program
from services.loyalty.redemption import api as redemption
from services.loyalty.referrals import api as referrals
from services.loyalty.referrals.jobs import reward_due
from services.loyalty.reservations import api as reservations
from services.loyalty.reservations.jobs import sweep
from services.loyalty.rewards import api as rewards
from services.loyalty.rules import api as rules
from services.loyalty.shortfalls import api as shortfalls
from services.loyalty.simulation import api as simulation
from services.loyalty.tier_coupons import api as tier_coupons
from services.loyalty.tier_coupons import jobs as tier_coupon_jobs
from services.loyalty.tiers import api as tiers
from services.loyalty.tiers import jobs as tier_jobs
from services.loyalty.tiers.benefits import api as benefits
from services.loyalty.till_coupons import api as till_coupons
from services.loyalty.till_coupons import jobs as till_coupon_jobs
from services.loyalty.wallets import api as wallets
from shared.inputs import input_defaults
from shared.jobs import DailyJobs
from shared.jwks import TokenSigner
from shared.keys import LOYALTY_ISSUER
from shared.service_app import Runtime, ServiceSpec, build_app

DAILY_JOBS = DailyJobs(
    job_runs,
    (
        *lot_jobs.DAILY,
        *tier_jobs.DAILY,
        *coupon_jobs.DAILY,
        *band_jobs.DAILY,
        *tier_coupon_jobs.DAILY,
    ),
    zone=lambda: input_defaults().business_timezone,
)
"""Loyalty's daily jobs, once per day of the brand: lots' expiry and its announcements,
tiers' period-end reviews, coupons' expiry and birthday grants, the
yearly-spend band rules due, tier coupons."""


async def _daily_jobs(runtime: Runtime) -> None:
    await DAILY_JOBS.run(runtime.sessions)


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The loyalty service, composed: used by the app, the ``huiyuan`` command and tests."""
    settings_ = settings or Settings()
    return ServiceSpec(
        name="loyalty",
        title="Huiyuan loyalty service",
        description=(
            "Points and tiers. Purchases (`orders.purchase.completed`) earn points by the "
            "earning rules of their time and may promote the member's tier; returns reverse "
            "points in proportion and may demote; members redeem points, order rewards from "
            "the catalog or pay at a till with points a reservation holds. Points live on "
            "accounts that members hold; every change is an entry in an append-only ledger "
            "whose sum is the balance. A household's members hold one account that pools "
            "their points."
        ),
        settings=settings_,
        signer=TokenSigner.of(settings_, LOYALTY_ISSUER),
        outbox=outbox,
        audit=audit,
        inbox=inbox,
        idempotency=idempotency,
        handlers=HANDLERS,
        batch_start=start_batch,
        routers=[
            program.router,
            privacy.router,
            lots.router,
            tiers.router,
            benefits.router,
            rules.router,
            simulation.router,
            simulation.campaigns,
            campaigns.router,
            households.router,
            referrals.router,
            lottery.router,
            lottery.members_router,
            referrals.policy_router,
            reservations.policy_router,
            wallets.rules_router,
            members.router,
            tiers.members,
            benefits.members,
            redemption.router,
            adjustments.router,
            shortfalls.router,
            reservations.router,
            till_coupons.router,
            wallets.router,
            rewards.catalog,
            rewards.orders,
            rewards.queue,
            coupons.router,
            coupons.members,
            birthday_coupons.router,
            coupon_batches.router,
            coupon_bands.router,
            tier_coupons.router,
        ],
        workers=[_daily_jobs, sweep, till_coupon_jobs.sweep, close_out, grant_batches, reward_due],
        openapi_tags=[
            {"name": "program", "description": "Tier ladder and earning rules (marketing)"},
            {"name": "members", "description": "Balances, tiers, ledgers and redemptions"},
            {
                "name": "till",
                "description": "Points at the till (积分抵现): reservations orders makes, "
                "commits and releases for a store's sales",
            },
            {
                "name": "rewards",
                "description": "Rewards catalog (积分兑换礼品): items, stock and reward orders",
            },
            {
                "name": "coupons",
                "description": "Coupons (满减, percent off, 代金券, free gift): definitions, "
                "grants and a member's coupons",
            },
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

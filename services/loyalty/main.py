"""The loyalty service: points and tiers."""

from __future__ import annotations

from fastapi import FastAPI

from services.loyalty.base import idempotency, inbox, outbox
from services.loyalty.config import Settings
from services.loyalty.consumers import HANDLERS
from services.loyalty.members import api as members
from services.loyalty.program import api as program
from services.loyalty.redemption import api as redemption
from services.loyalty.rewards import api as rewards
from services.loyalty.tiers import api as tiers
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The loyalty service, composed: used by the app, the ``huiyuan`` command and tests."""
    return ServiceSpec(
        name="loyalty",
        title="Huiyuan loyalty service",
        description=(
            "Points and tiers. Purchases (`orders.purchase.completed`) earn points at the "
            "rate of the member's tier and may promote it; returns reverse points in "
            "proportion and may demote; members redeem points and order rewards from the "
            "catalog. Points live on accounts that members hold; every change is an entry "
            "in an append-only ledger whose sum is the balance."
        ),
        settings=settings or Settings(),
        outbox=outbox,
        inbox=inbox,
        idempotency=idempotency,
        handlers=HANDLERS,
        routers=[
            program.router,
            tiers.router,
            members.router,
            redemption.router,
            rewards.catalog,
            rewards.orders,
            rewards.queue,
        ],
        openapi_tags=[
            {"name": "program", "description": "Tier ladder and earning rule (marketing)"},
            {"name": "members", "description": "Balances, tiers, ledgers and redemptions"},
            {
                "name": "rewards",
                "description": "Rewards catalog (积分兑换礼品): items, stock and reward orders",
            },
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

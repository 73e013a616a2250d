"""The loyalty service: points and tiers."""

from __future__ import annotations

from fastapi import FastAPI

from services.loyalty.base import idempotency, inbox, outbox
from services.loyalty.config import Settings
from services.loyalty.consumers import HANDLERS
from services.loyalty.households import api as households
from services.loyalty.members import api as members
from services.loyalty.program import api as program
from services.loyalty.redemption import api as redemption
from services.loyalty.rules import api as rules
from services.loyalty.simulation import api as simulation
from services.loyalty.tiers import api as tiers
from services.loyalty.tiers.benefits import api as benefits
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The loyalty service, composed: used by the app, the ``huiyuan`` command and tests."""
    return ServiceSpec(
        name="loyalty",
        title="Huiyuan loyalty service",
        description=(
            "Points and tiers. Purchases (`orders.purchase.completed`) earn points by the "
            "earning rules of their time and may promote the member's tier; returns reverse "
            "points in proportion and may demote; members redeem points. Points live on "
            "accounts that members hold; every change is an entry in an append-only ledger "
            "whose sum is the balance. A household's members hold one account that pools their "
            "points."
        ),
        settings=settings or Settings(),
        outbox=outbox,
        inbox=inbox,
        idempotency=idempotency,
        handlers=HANDLERS,
        routers=[
            program.router,
            tiers.router,
            benefits.router,
            rules.router,
            simulation.router,
            households.router,
            members.router,
            tiers.members,
            benefits.members,
            redemption.router,
        ],
        openapi_tags=[
            {"name": "program", "description": "Tier ladder and earning rules (marketing)"},
            {"name": "members", "description": "Balances, tiers, ledgers and redemptions"},
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

"""The customer service: member profiles, cards and contact data."""

from __future__ import annotations

from fastapi import FastAPI

from services.customer import api
from services.customer.config import Settings
from services.customer.models import idempotency, outbox
from shared.service_app import ServiceSpec, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return build_app(
        ServiceSpec(
            name="customer",
            title="Huiyuan customer service",
            description="Members, membership cards and contact data (encrypted at rest).",
            settings=settings,
            outbox=outbox,
            idempotency=idempotency,
            routers=[api.router],
        )
    )

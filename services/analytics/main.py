"""The analytics service: read models from every event, KPIs and member summaries."""

from __future__ import annotations

from fastapi import FastAPI

from services.analytics import api
from services.analytics.config import Settings
from services.analytics.consumers import SUBSCRIPTIONS, create_handlers
from services.analytics.models import inbox, outbox
from shared.service_app import ServiceSpec, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return build_app(
        ServiceSpec(
            name="analytics",
            title="Huiyuan analytics service",
            description=(
                "Read models built from every service's events: member spend, frequency, "
                "recency and tier, notification counts, and KPIs such as the repeat "
                "purchase rate and the average order value."
            ),
            settings=settings,
            outbox=outbox,
            routers=[api.router],
            inbox=inbox,
            handlers=create_handlers(settings),
            subscriptions=SUBSCRIPTIONS,
        )
    )

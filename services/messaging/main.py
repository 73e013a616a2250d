"""The messaging service: templates, consent, and delivery of SMS and email."""

from __future__ import annotations

from fastapi import FastAPI

from services.messaging import api
from services.messaging.config import Settings
from services.messaging.consumers import create_handlers
from services.messaging.dispatcher import dispatcher
from services.messaging.models import inbox, outbox
from shared.service_app import ServiceSpec, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return build_app(
        ServiceSpec(
            name="messaging",
            title="Huiyuan messaging service",
            description=(
                "Welcome, points and tier-upgrade messages by SMS and email, in the member's "
                "language, only on channels they consented to; delivery status and statistics."
            ),
            settings=settings,
            outbox=outbox,
            routers=[api.router],
            inbox=inbox,
            handlers=create_handlers(settings),
            subscriptions=["customer.events", "loyalty.events"],
            workers=[dispatcher],
        )
    )

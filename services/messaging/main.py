"""The messaging service: contacts, templates, notifications and their delivery."""

from __future__ import annotations

from fastapi import FastAPI

from services.messaging.base import inbox, outbox
from services.messaging.config import Settings
from services.messaging.consumers import HANDLERS
from services.messaging.delivery import api as delivery
from services.messaging.delivery.jobs import dispatcher
from services.messaging.notifications import api as notifications
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The messaging service, composed: used by the app, the ``huiyuan`` command and tests."""
    return ServiceSpec(
        name="messaging",
        title="Huiyuan messaging service",
        description=(
            "Welcome, points and tier-upgrade messages by SMS and email, in the member's "
            "language, only on channels they consented to; delivery status and statistics."
        ),
        settings=settings or Settings(),
        outbox=outbox,
        routers=[notifications.router, delivery.router],
        inbox=inbox,
        handlers=HANDLERS,
        workers=[dispatcher],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

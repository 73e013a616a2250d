"""The messaging service: templates, consent, and delivery of SMS and email."""

from __future__ import annotations

from fastapi import FastAPI

from services.messaging import api
from services.messaging.config import Settings
from services.messaging.consumers import HANDLERS
from services.messaging.dispatcher import dispatcher
from services.messaging.models import inbox, outbox
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
        routers=[api.router],
        inbox=inbox,
        handlers=HANDLERS,
        workers=[dispatcher],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

"""The messaging service: contacts, templates, notifications and their delivery."""

from __future__ import annotations

from fastapi import FastAPI

from services.messaging.base import audit, idempotency, inbox, outbox
from services.messaging.broadcasts import api as broadcasts
from services.messaging.broadcasts import jobs as broadcast_jobs
from services.messaging.config import Settings
from services.messaging.consumers import HANDLERS
from services.messaging.delivery import api as delivery
from services.messaging.delivery.jobs import dispatcher
from services.messaging.digests import jobs as digests
from services.messaging.journeys import api as journeys
from services.messaging.journeys import jobs as journey_jobs
from services.messaging.notifications import api as notifications
from services.messaging.optouts import api as optouts
from services.messaging.policy import api as policy
from services.messaging.privacy import api as privacy
from services.messaging.templates import api as templates
from services.messaging.webhooks import api as webhooks
from services.messaging.webhooks.jobs import webhook_worker
from shared.jwks import TokenSigner
from shared.keys import MESSAGING_ISSUER
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The messaging service, composed: used by the app, the ``huiyuan`` command and tests."""
    settings_ = settings or Settings()
    return ServiceSpec(
        name="messaging",
        title="Huiyuan messaging service",
        description=(
            "Welcome, points and tier-upgrade messages by SMS and email, in the member's "
            "language, only on channels they consented to; journeys (a welcome after the "
            "first purchase, birthday and holiday greetings, win-back) on a durable "
            "scheduler; throttled bulk sends; delivery status and statistics; events to "
            "subscribers' webhooks."
        ),
        settings=settings_,
        signer=TokenSigner.of(settings_, MESSAGING_ISSUER),
        outbox=outbox,
        audit=audit,
        routers=[
            notifications.router,
            privacy.router,
            delivery.router,
            templates.router,
            policy.router,
            optouts.router,
            webhooks.router,
            journeys.router,
            broadcasts.router,
        ],
        inbox=inbox,
        idempotency=idempotency,
        handlers=HANDLERS,
        workers=[
            dispatcher,
            digests.worker,
            webhook_worker,
            journey_jobs.runs_worker,
            journey_jobs.daily_worker,
            broadcast_jobs.worker,
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

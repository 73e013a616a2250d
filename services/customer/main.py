"""The customer service: member profiles, cards and contact data."""

from __future__ import annotations

from fastapi import FastAPI

from services.customer.base import audit, idempotency, inbox, outbox
from services.customer.categories import api as categories
from services.customer.config import Settings
from services.customer.consents import api as consents
from services.customer.consumers import HANDLERS
from services.customer.desk import api as desk
from services.customer.desk.jobs import escalations
from services.customer.desk.reminders import api as reminders
from services.customer.fields import api as fields
from services.customer.history import api as history
from services.customer.households import api as households
from services.customer.imports import api as imports
from services.customer.imports.jobs import imports as import_worker
from services.customer.joining import api as joining
from services.customer.members import api as members
from services.customer.privacy import api as privacy
from services.customer.profiles import api as profiles
from services.customer.search import api as search
from services.customer.signin import api as signin
from services.customer.signin import jobs as signin_jobs
from services.customer.staff import api as staff
from services.customer.tags import api as tags
from shared.jwks import TokenSigner
from shared.keys import IDENTITY_ISSUER
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The customer service, composed: used by the app, the ``huiyuan`` command and tests."""
    settings_ = settings or Settings()
    return ServiceSpec(
        name="customer",
        title="Huiyuan customer service",
        description=(
            "Members, membership cards and contact data (encrypted at rest), tags and categories, "
            "households, and "
            "the service desk (tickets with SLAs, escalation and surveys), and staff accounts; it "
            "signs staff and member tokens (its keys: `/.well-known/jwks.json`)."
        ),
        settings=settings_,
        signer=TokenSigner.of(settings_, IDENTITY_ISSUER),
        outbox=outbox,
        audit=audit,
        idempotency=idempotency,
        routers=[
            members.router,
            profiles.router,
            privacy.router,
            search.router,
            fields.router,
            households.router,
            tags.router,
            categories.router,
            desk.router,
            reminders.router,
            imports.router,
            joining.router,
            history.router,
            consents.router,
            signin.router,
            staff.router,
        ],
        inbox=inbox,
        handlers=HANDLERS,
        workers=[escalations, import_worker, signin_jobs.worker],
        uploads={"/imports": settings_.import_max_bytes},
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

"""The analytics service: read models from every event, KPIs and member summaries."""

from __future__ import annotations

from fastapi import FastAPI

from services.analytics import base
from services.analytics.clv import api as clv
from services.analytics.clv import jobs as clv_jobs
from services.analytics.clv.tiers import api as clv_tiers
from services.analytics.cohorts import api as cohorts
from services.analytics.config import Settings
from services.analytics.consumers import HANDLERS
from services.analytics.kpis import api as kpis
from services.analytics.members import api as members
from services.analytics.privacy import api as privacy
from services.analytics.referrals import api as referrals
from services.analytics.reports import api as reports
from services.analytics.segmentation import api as segmentation
from services.analytics.segments import api as segments
from services.analytics.segments import jobs as segment_jobs
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The analytics service, composed: used by the app, the ``huiyuan`` command and tests."""
    return ServiceSpec(
        name="analytics",
        title="Huiyuan analytics service",
        description=(
            "Read models built from every service's events: member spend, frequency, "
            "recency and tier, notification counts, and KPIs such as the average order "
            "value; seed 003's campaign KPIs of a cohort; RFM scores, value quadrants, the "
            "80/20 view, sleeping members and churn warnings; the referral rate (老带新); "
            "customer lifetime value (BG/NBD, Gamma-Gamma, a Markov chain over tiers); saved "
            "segments, refreshed on a schedule and on demand and published as "
            "`analytics.segment.changed` for messaging and loyalty; the reports as charts "
            "(Vega-Lite, SVG, PNG) and CSV."
        ),
        settings=settings or Settings(),
        outbox=base.outbox,
        audit=base.audit,
        routers=[
            privacy.router,
            kpis.router,
            cohorts.router,
            segmentation.router,
            segments.router,
            members.router,
            referrals.router,
            clv.router,
            clv_tiers.router,
            reports.router,
        ],
        inbox=base.inbox,
        idempotency=base.idempotency,
        handlers=HANDLERS,
        workers=[clv_jobs.fitter, segment_jobs.refresher],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

"""The orders service: partner stores post their sales and returns here."""

from __future__ import annotations

from fastapi import FastAPI

from services.orders.base import audit, idempotency, inbox, outbox
from services.orders.benefits import api as benefits
from services.orders.catalog import api as catalog
from services.orders.catalog.categories import api as categories
from services.orders.catalog.spreadsheet import api as catalog_files
from services.orders.config import Settings
from services.orders.consumers import HANDLERS
from services.orders.coupons import api as coupons
from services.orders.directory import misses
from services.orders.privacy import api as privacy
from services.orders.purchases import api as purchases
from services.orders.purchases.batch import api as batch
from services.orders.returns import api as returns
from services.orders.stores import api as stores
from services.orders.stores.keys import KnownStores
from services.orders.tenders import api as tenders
from services.orders.tenders import loyalty
from services.orders.voids import api as voids
from shared.jwks import TokenSigner
from shared.keys import ORDERS_ISSUER
from shared.service_app import ServiceSpec, build_app


def spec(settings: Settings | None = None) -> ServiceSpec:
    """The orders service, composed: used by the app, the ``huiyuan`` command and tests."""
    settings_ = settings or Settings()
    return ServiceSpec(
        name="orders",
        title="Huiyuan orders service",
        description=(
            "Partner stores post sales and returns with their API key (`X-API-Key`); "
            "each sale publishes `orders.purchase.completed` with its receipt (tenders and "
            "change), each return `orders.purchase.returned` with what each tender refunds, "
            "each void `orders.purchase.voided`. A till may pay with a member's points: it "
            "holds them (`POST /reservations`) and the sale names the hold in a `points` "
            "tender; orders asks loyalty synchronously for both, and for what a member's tier "
            "gives them (`GET /members/{member_id}/benefits`). Retries with the same "
            "`Idempotency-Key`, or with "
            "the same sale and receipt number, never count a sale twice. Admins keep the "
            "product catalog (`/catalog`), which publishes `orders.product.changed` and "
            "checks the SKUs of sales."
        ),
        settings=settings_,
        signer=TokenSigner.of(settings_, ORDERS_ISSUER),
        outbox=outbox,
        audit=audit,
        idempotency=idempotency,
        routers=[
            stores.router,
            categories.router,
            catalog.router,
            catalog_files.router,
            purchases.router,
            privacy.router,
            tenders.router,
            tenders.deposits_router,
            coupons.router,
            coupons.validations,
            benefits.router,
            batch.router,
            returns.router,
            voids.router,
        ],
        inbox=inbox,
        handlers=HANDLERS,
        resources={loyalty.RESOURCE: loyalty.connected, misses.RESOURCE: misses.counting},
        stores=KnownStores.of(settings_),
        openapi_tags=[
            {"name": "stores", "description": "Partner stores and their API keys (admin)"},
            {
                "name": "catalog",
                "description": "Categories, products, prices, CSV files (admin; marketing reads)",
            },
            {"name": "purchases", "description": "Sales and returns posted by a store"},
            {"name": "members", "description": "What a member's tier gives them, for tills"},
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(spec(settings))

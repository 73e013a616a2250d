"""The analytics schema, its table base class and the shared mechanisms' tables.

Analytics publishes nothing yet, so it has no ``emit``; the service still keeps an outbox
table because every service's relay runs over one. It takes no idempotent POSTs, so it
has no idempotency table.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from shared.audit.log import AuditLog
from shared.db import schema_registry
from shared.inbox import Inbox
from shared.outbox import Outbox
from shared.product_categories import ProductCategories

SCHEMA = "analytics"


class AnalyticsTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


outbox = Outbox(AnalyticsTable.metadata)
audit = AuditLog(AnalyticsTable.metadata)
inbox = Inbox(AnalyticsTable.metadata)
product_categories = ProductCategories(AnalyticsTable.metadata)

"""The analytics schema, its table base class and the shared mechanisms' tables.

Analytics publishes its saved segments' changes (``analytics.segment.*``) through ``emit``.
Its idempotency table serves the POSTs that make or queue something (a segment, a CLV fit),
so a retry makes nothing twice.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from shared.audit.log import AuditLog
from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.outbox import Emitter, Outbox
from shared.product_categories import ProductCategories

SCHEMA = "analytics"


class AnalyticsTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


outbox = Outbox(AnalyticsTable.metadata)
emit = Emitter(outbox, source="/huiyuan/analytics")
audit = AuditLog(AnalyticsTable.metadata)
inbox = Inbox(AnalyticsTable.metadata)
idempotency = IdempotencyKeys(AnalyticsTable.metadata)
product_categories = ProductCategories(AnalyticsTable.metadata)

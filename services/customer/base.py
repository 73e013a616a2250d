"""The customer schema: its table base and the shared tables (outbox, idempotency keys).

Capabilities declare their tables on :class:`CustomerTable` and publish with :data:`emit`.
The inbox holds the events customer consumed (messaging's opt-outs); ``job_runs`` the days
its daily jobs have done (sign-in's purge).
"""

from __future__ import annotations

from sqlmodel import SQLModel

from shared.audit.log import AuditLog
from shared.db import schema_registry
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.jobs import JobRuns
from shared.outbox import Emitter, Outbox

SCHEMA = "customer"


class CustomerTable(SQLModel, registry=schema_registry(SCHEMA)):
    pass


outbox = Outbox(CustomerTable.metadata)
audit = AuditLog(CustomerTable.metadata)
emit = Emitter(outbox, source="/huiyuan/customer")
idempotency = IdempotencyKeys(CustomerTable.metadata)
inbox = Inbox(CustomerTable.metadata)
job_runs = JobRuns(CustomerTable.metadata)

"""The audit trail: who changed what and who read personal data in clear, append-only.

Every service keeps an ``audit_log`` table in its schema (:class:`~shared.audit.log.AuditLog`,
created by :func:`~shared.audit.ddl.create_audit_log` in one migration per service). Rows are
written in the transaction of what they record, so a change and its audit row commit
together or not at all:

* **Staff changes** are recorded without any route asking: ``shared.dependencies``'s
  request session records every non-GET request made with a staff token once its handler
  returned, before it commits (:func:`~shared.audit.requests.record_change`).
* **Unmasked reads** are declared by the route with ``Depends(audited_read("member.contact"))``
  (:mod:`shared.audit.reads`).
* ``GET /audit`` (admin only) answers a service's rows (:mod:`shared.audit.api`), and rows
  older than ``audit_retention_days`` are purged by the service's lifespan.
"""

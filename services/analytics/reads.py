"""How analytics' reports read: several statements over one snapshot, with memory to sort.

A report over every member (RFM, quadrants, 80/20, the KPIs, a page of members) first
reads its cut points, then the members against them; both must see the same members, and
the sorts behind the cut points must not spill to disk (docs/analytics.md, "At scale").
"""

from __future__ import annotations

from sqlalchemy import text

from shared.db import AsyncSession

REPORT_WORK_MEM = "64MB"
"""Memory for each sort or hash of a report (PostgreSQL's ``work_mem``, 4 MB unless the
server says otherwise): sorting one column of 1,000,000 members takes about 40 MB, and
spilling it to disk made the cut points about twice as slow. Several sorts of one
statement may each take this much, on each connection running a report."""


async def begin_report(session: AsyncSession) -> None:
    """Reads what follows in one snapshot (``REPEATABLE READ``), with
    :data:`REPORT_WORK_MEM` for its sorts (``SET LOCAL``: until the transaction ends).
    Call before the transaction's first statement (a request's transaction starts with
    none)."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    await session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))

"""A bulk grant's chunk cut short rolls back whole (no coupon, no event, its rows still
due) and the next run resumes it: every member granted exactly once. No app runs here, so
no worker takes the rows the test drives by hand."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.batches import service
from services.loyalty.coupons.batches.schemas import GrantBatchIn
from services.loyalty.coupons.schemas import GrantIn
from services.loyalty.coupons.service import try_issue
from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions, transaction
from tests.loyalty.conftest import handle, published, purchase_event
from tests.loyalty.coupons.test_jobs import _definition


async def _statuses(sessions: Sessions, batch_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            text(
                "SELECT status FROM loyalty.coupon_grant_items WHERE batch_id = :b "
                "ORDER BY member_id"
            ),
            {"b": batch_id},
        )
        return list(rows)


async def test_a_chunk_cut_short_is_rolled_back_and_resumed(
    loyalty_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    definition = await _definition(loyalty_sessions, per_member_limit=1)
    members = sorted(uuid.uuid4() for _ in range(3))
    for member in members:
        await handle(loyalty_sessions, purchase_event(member, 10_000))
    async with transaction(loyalty_sessions) as session:
        batch = await service.create_batch(
            session, definition.id, GrantBatchIn(member_ids=members, grant_key="k"), by="test"
        )
    real = try_issue
    calls = 0

    async def crashing(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("the process died")
        return await real(*args)

    monkeypatch.setattr("services.loyalty.coupons.batches.service.try_issue", crashing)
    with pytest.raises(ConnectionError):
        await service.grant_chunk(loyalty_sessions, chunk=3)
    assert await _statuses(loyalty_sessions, batch.id) == ["due"] * 3
    assert [await published(loyalty_sessions, m, "loyalty.coupon.granted") for m in members] == [
        [],
        [],
        [],
    ]
    monkeypatch.setattr("services.loyalty.coupons.batches.service.try_issue", real)
    await service.grant_due(loyalty_sessions, chunk=2)
    assert await _statuses(loyalty_sessions, batch.id) == ["granted"] * 3
    assert [
        len(await published(loyalty_sessions, m, "loyalty.coupon.granted")) for m in members
    ] == [1, 1, 1]
    async with transaction(loyalty_sessions) as session:
        progress = await service.progress(session, definition.id, batch.id)
    assert (progress.granted, progress.due) == (3, 0)
    assert progress.finished_at is not None
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=members)).ok
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.coupon_grant_items SET coupon_id = gen_random_uuid() "
                "WHERE batch_id = :b AND member_id = :m"
            ),
            {"b": batch.id, "m": members[1]},
        )
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=members)
    assert [v.subject for v in report.of(Invariant.COUPON_BATCH_GRANTS)] == [members[1]]


async def test_workers_at_once_never_take_the_same_member(loyalty_sessions: Sessions) -> None:
    definition = await _definition(loyalty_sessions, per_member_limit=1)
    members = [uuid.uuid4() for _ in range(24)]
    for member in members:
        await handle(loyalty_sessions, purchase_event(member, 10_000))
    async with transaction(loyalty_sessions) as session:
        batch = await service.create_batch(
            session, definition.id, GrantBatchIn(member_ids=members, grant_key="k"), by="test"
        )
    settled = await asyncio.gather(
        *(service.grant_due(loyalty_sessions, chunk=4) for _ in range(3))
    )
    assert sum(settled) >= 24  # and any other test's due rows they found
    assert await _statuses(loyalty_sessions, batch.id) == ["granted"] * 24
    async with loyalty_sessions() as session:
        issued, coupons = (
            await session.execute(
                text(
                    "SELECT d.issued, (SELECT count(*) FROM loyalty.coupons c "
                    "WHERE c.definition_id = d.id) FROM loyalty.coupon_definitions d "
                    "WHERE d.id = :id"
                ),
                {"id": definition.id},
            )
        ).one()
    assert (issued, coupons) == (24, 24)


async def test_grants_racing_with_one_key_are_one_coupon(loyalty_sessions: Sessions) -> None:
    """A batch, a rule's job and a one-member grant may grant the same (definition,
    member, key) at once: each answers the one coupon, none fails on the unique key."""
    definition = await _definition(loyalty_sessions, per_member_limit=1)
    member = uuid.uuid4()
    await handle(loyalty_sessions, purchase_event(member, 10_000))

    async def grant() -> uuid.UUID:
        async with transaction(loyalty_sessions) as session:
            body = GrantIn(definition_id=definition.id, grant_key="race")
            return (await coupons.grant(session, member, body, show_code=False)).id

    granted = await asyncio.gather(*(grant() for _ in range(16)))
    assert len(set(granted)) == 1
    async with loyalty_sessions() as session:
        issued = await session.scalar(
            text("SELECT issued FROM loyalty.coupon_definitions WHERE id = :id"),
            {"id": definition.id},
        )
    assert issued == 1

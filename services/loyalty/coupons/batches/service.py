"""Use cases of bulk grants. A batch is due work in loyalty's schema: the request writes
the batch and a due row per member in its own transaction (no dual write, nothing granted
yet), and workers grant chunks of due rows claimed with ``SKIP LOCKED``, each chunk with
its grants, events and rows settled in one transaction. A crash mid-chunk rolls the chunk
back whole and it stays due; a crash between chunks loses nothing; two workers never take
the same row. ``create_batch`` and ``progress`` flush, never commit; ``grant_chunk``
commits its own transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from services.loyalty.audiences import service as audiences
from services.loyalty.coupons import repository as coupons
from services.loyalty.coupons.batches import repository
from services.loyalty.coupons.batches.models import GrantBatch
from services.loyalty.coupons.batches.schemas import (
    MAX_REFUSALS_SHOWN,
    GrantBatchIn,
    GrantBatchOut,
    RefusalPage,
    RefusedMemberOut,
)
from services.loyalty.coupons.errors import CouponDefinitionNotFound, CouponGrantBatchNotFound
from services.loyalty.coupons.models import CouponDefinition
from services.loyalty.coupons.service import try_issue
from shared.db import AsyncSession, Sessions, transaction
from shared.pagination import keyset_page

CHUNK = 100
"""Members per transaction: the definition's row lock is held for one chunk's grants."""


async def create_batch(
    session: AsyncSession, definition_id: uuid.UUID, body: GrantBatchIn, *, by: str
) -> GrantBatchOut:
    """A batch of the definition's grants to the members (each named once), all due.

    An audience is resolved here, in the request's transaction, by one ``INSERT …
    SELECT``: the batch holds the members of that snapshot (those joining it later are
    not added), it takes no lock on what it reads, and nothing of a member list passes
    through Python or the body. An audience of nobody is a batch of 0, finished.
    Raises :class:`CouponDefinitionNotFound` (404) and
    :class:`~services.loyalty.program.errors.UnknownTier` (422, ``audience.tiers``)."""
    if await coupons.definition(session, definition_id) is None:
        raise CouponDefinitionNotFound(f"No coupon definition {definition_id}")
    batch = GrantBatch(
        definition_id=definition_id, grant_key=body.grant_key, total=0, created_by=by
    )
    if body.audience is not None:
        batch.audience = body.audience.criteria()
        chosen = await audiences.members(session, body.audience)
        await repository.add_batch_from(session, batch, chosen, datetime.now(UTC))
    else:
        assert body.member_ids is not None  # the body has exactly one of them
        members = list(dict.fromkeys(body.member_ids))
        batch.total = len(members)
        await repository.add_batch(session, batch, members)
    return await _progress(session, batch)


async def open_batch(
    session: AsyncSession,
    definition_id: uuid.UUID,
    grant_key: str,
    member_ids: Sequence[uuid.UUID],
    *,
    by: str,
) -> uuid.UUID:
    """A batch of a rule's grants (distinct members, at least one, of a definition that
    exists), all due; its id."""
    batch = GrantBatch(
        definition_id=definition_id, grant_key=grant_key, total=len(member_ids), created_by=by
    )
    await repository.add_batch(session, batch, member_ids)
    return batch.id


async def progress(
    session: AsyncSession, definition_id: uuid.UUID, batch_id: uuid.UUID
) -> GrantBatchOut:
    """Raises :class:`CouponGrantBatchNotFound` (404), also for another definition's."""
    return await _progress(session, await _batch_of(session, definition_id, batch_id))


async def refusals(
    session: AsyncSession,
    definition_id: uuid.UUID,
    batch_id: uuid.UUID,
    limit: int,
    after: uuid.UUID | None,
) -> RefusalPage:
    """The batch's refused members by id, ``limit`` at a time after member ``after``.
    Raises :class:`CouponGrantBatchNotFound` (404), also for another definition's."""
    batch = await _batch_of(session, definition_id, batch_id)
    rows, next_cursor = keyset_page(
        await repository.refused(session, batch.id, limit + 1, after), limit, lambda r: str(r[0])
    )
    return RefusalPage(
        items=[RefusedMemberOut(member_id=m, reason=reason) for m, reason in rows],
        next_cursor=next_cursor,
    )


async def _batch_of(
    session: AsyncSession, definition_id: uuid.UUID, batch_id: uuid.UUID
) -> GrantBatch:
    batch = await repository.batch(session, batch_id)
    if batch is None or batch.definition_id != definition_id:
        raise CouponGrantBatchNotFound(f"No grant batch {batch_id} of definition {definition_id}")
    return batch


async def _progress(session: AsyncSession, batch: GrantBatch) -> GrantBatchOut:
    counts = await repository.counts(session, batch.id)
    by_status: Counter[str] = Counter()
    reasons: dict[str, int] = {}
    for (status, reason), count in counts.items():
        by_status[status] += count
        if reason is not None:
            reasons[reason] = count
    return GrantBatchOut(
        id=batch.id,
        definition_id=batch.definition_id,
        grant_key=batch.grant_key,
        audience=batch.audience,
        total=batch.total,
        granted=by_status["granted"],
        refused=by_status["refused"],
        due=by_status["due"],
        refused_by_reason=reasons,
        refused_members=[
            RefusedMemberOut(member_id=member, reason=reason)
            for member, reason in await repository.refused(session, batch.id, MAX_REFUSALS_SHOWN)
        ],
        created_at=batch.created_at,
        finished_at=batch.finished_at,
    )


async def grant_chunk(sessions: Sessions, chunk: int = CHUNK) -> int:
    """Grants (or refuses) up to ``chunk`` due members of any batches in one transaction;
    how many it settled (0: nothing was due or free to take)."""
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        claimed = await repository.claim(session, chunk)
        batches: dict[uuid.UUID, tuple[GrantBatch, CouponDefinition]] = {}
        for batch_id, member_id in claimed:
            if batch_id not in batches:
                batch = await repository.batch(session, batch_id)
                assert batch is not None  # a foreign key keeps it
                definition = await coupons.definition(session, batch.definition_id)
                assert definition is not None
                batches[batch_id] = (batch, definition)
            batch, definition = batches[batch_id]
            outcome = await try_issue(session, definition, member_id, batch.grant_key, now)
            if isinstance(outcome, str):
                await repository.settle(
                    session, batch_id, member_id, coupon_id=None, reason=outcome
                )
            else:
                await repository.settle(
                    session, batch_id, member_id, coupon_id=outcome.id, reason=None
                )
        await repository.finish(session, list(batches), now)
    return len(claimed)


async def grant_due(sessions: Sessions, chunk: int = CHUNK) -> int:
    """Chunks until nothing is due (or all of it is another worker's); how many settled."""
    settled = 0
    while done := await grant_chunk(sessions, chunk):
        settled += done
    return settled

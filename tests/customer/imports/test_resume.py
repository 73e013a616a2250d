"""An import is durable work: a crash mid-chunk writes nothing of it, and a service
started after a stop resumes where the last committed chunk ended, importing no row twice."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from services.customer.base import outbox
from services.customer.config import Settings
from services.customer.imports import jobs, repository, service
from services.customer.members.models import Member
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.settings import DEV_PII_KEY
from tests.customer.conftest import new_phone
from tests.customer.imports.conftest import POLL, finished
from tests.stack import Stack, running


class Crash(Exception):
    pass


async def _counts(sessions: Sessions, phones: list[str]) -> tuple[int, int]:
    hashes = [CIPHER.phone_hash(p) for p in phones]
    async with sessions() as session:
        members = await session.scalar(
            select(func.count()).select_from(Member).where(col(Member.phone_hash).in_(hashes))
        )
        events = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(outbox.table.c.envelope["data"]["phone_hash"].astext.in_(hashes))
        )
    return int(members or 0), int(events or 0)


CIPHER = PiiCipher(DEV_PII_KEY)


async def _chunk_then_crash(sessions: Sessions, settings: Settings) -> None:
    async with transaction(sessions) as session:
        claimed = await repository.claim_due(session)
        assert claimed is not None
        await service.apply_chunk(session, settings, CIPHER, claimed)
        raise Crash


async def test_a_restart_resumes_the_import_where_it_stopped(
    stack: Stack, customer_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings()
    await jobs.apply_due(customer_sessions, settings, CIPHER)  # others' imports out of the way
    monkeypatch.setattr(service, "CHUNK", 2)
    phones = [new_phone() for _ in range(5)]
    body = "name,phone\r\n" + "".join(f"会员{i},{p}\r\n" for i, p in enumerate(phones))
    async with transaction(customer_sessions) as session:
        job = await service.create_import(
            session,
            CIPHER,
            io.BytesIO(body.encode()),
            charset="auto",
            dry_run=False,
            created_by="t",
        )
    async with transaction(customer_sessions) as session:  # the first chunk commits
        claimed = await repository.claim_due(session)
        assert claimed is not None
        assert claimed.id == job.id
        await service.apply_chunk(session, settings, CIPHER, claimed)
    with pytest.raises(Crash):  # the second is cut short before its commit
        await _chunk_then_crash(customer_sessions, settings)
    assert await _counts(customer_sessions, phones) == (2, 2)
    async with running(stack.app("customer", import_poll_seconds=POLL)) as client:
        done = await finished(client, str(job.id))
    assert (done["processed"], done["imported"], done["skipped"]) == (5, 5, 0)
    assert await _counts(customer_sessions, phones) == (5, 5)
    assert await jobs.apply_due(customer_sessions, settings, CIPHER) == 0  # nothing left due
    assert await _counts(customer_sessions, phones) == (5, 5)

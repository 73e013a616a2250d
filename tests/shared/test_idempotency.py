from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from shared.db import transaction
from shared.errors import Unprocessable
from shared.idempotency import StoredAnswer
from tests.shared.scratch import Scratch


class Answer(BaseModel):
    run: int


async def _post(scratch: Scratch, key: str, body: dict[str, int], runs: list[int]) -> StoredAnswer:
    async def action() -> Answer:
        runs.append(1)
        await asyncio.sleep(0.05)  # keep the first request in flight while others arrive
        return Answer(run=len(runs))

    async with transaction(scratch.sessions) as session:
        return await scratch.idempotency.run(
            session,
            scope="store:1",
            key=key,
            request=body,
            retention=timedelta(hours=1),
            action=action,
        )


async def test_a_retry_replays_the_first_answer(scratch: Scratch) -> None:
    runs: list[int] = []
    first = await _post(scratch, "k1", {"amount": 5}, runs)
    again = await _post(scratch, "k1", {"amount": 5}, runs)
    assert (first.status, first.body, first.replayed) == (201, {"run": 1}, False)
    assert (again.status, again.body, again.replayed) == (201, {"run": 1}, True)
    assert len(runs) == 1


async def test_concurrent_requests_with_one_key_run_once(scratch: Scratch) -> None:
    runs: list[int] = []
    answers = await asyncio.gather(*(_post(scratch, "k2", {"amount": 5}, runs) for _ in range(8)))
    assert len(runs) == 1
    assert {answer.body["run"] for answer in answers} == {1}
    assert sum(not answer.replayed for answer in answers) == 1


async def test_the_same_key_with_another_body_is_refused(scratch: Scratch) -> None:
    runs: list[int] = []
    await _post(scratch, "k3", {"amount": 5}, runs)
    with pytest.raises(Unprocessable, match="different request body"):
        await _post(scratch, "k3", {"amount": 6}, runs)
    assert len(runs) == 1


async def test_a_failed_first_attempt_leaves_the_key_free(scratch: Scratch) -> None:
    async def failing() -> Answer:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        async with transaction(scratch.sessions) as session:
            await scratch.idempotency.run(
                session,
                scope="store:1",
                key="k4",
                request={"amount": 1},
                retention=timedelta(hours=1),
                action=failing,
            )
    runs: list[int] = []
    answer = await _post(scratch, "k4", {"amount": 1}, runs)
    assert not answer.replayed
    assert len(runs) == 1


async def test_expired_keys_are_purged(scratch: Scratch) -> None:
    key = uuid.uuid4().hex
    async with transaction(scratch.sessions) as session:
        await scratch.idempotency.run(
            session,
            scope="s",
            key=key,
            request={},
            retention=timedelta(seconds=-1),
            action=lambda: _answer(),
        )
    async with transaction(scratch.sessions) as session:
        assert await scratch.idempotency.purge_expired(session) >= 1
        left = await session.scalar(
            select(func.count())
            .select_from(scratch.idempotency.table)
            .where(scratch.idempotency.table.c.key == key)
        )
    assert left == 0


async def _answer() -> Answer:
    return Answer(run=0)


class Nested(BaseModel):
    """jsonb would reorder these keys (shorter first); the stored answer must not."""

    long_name_first: int
    b: str
    lines: list[dict[str, int]]


async def test_a_replay_keeps_the_first_answer_byte_for_byte(scratch: Scratch) -> None:
    async def action() -> Nested:
        return Nested(long_name_first=1, b="a", lines=[{"zzz": 1, "a": 2}])

    answers: list[bytes] = []
    for _ in range(2):
        async with transaction(scratch.sessions) as session:
            answer = await scratch.idempotency.run(
                session,
                scope="s",
                key="k-bytes",
                request={},
                retention=timedelta(hours=1),
                action=action,
            )
        answers.append(bytes(answer.response().body))
    assert answers[0] == answers[1]
    assert answers[0].index(b"long_name_first") < answers[0].index(b'"b"')

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from shared.db import transaction
from shared.errors import Conflict, ProblemError, Unprocessable
from shared.idempotency import RequestInProgress, StoredAnswer, identify
from tests.shared.scratch import Scratch


class Answer(BaseModel):
    run: int


@dataclass
class Gate:
    """Holds a request's work until released, so that the request stays in flight."""

    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def passed(self) -> None:
        self.started.set()
        await self.release.wait()


async def _post(
    scratch: Scratch,
    key: str,
    body: dict[str, int],
    runs: list[int],
    *,
    scope: str = "store:1",
    gate: Gate | None = None,
) -> StoredAnswer:
    """One request; with a ``gate``, its work waits there."""

    async def action() -> Answer:
        runs.append(1)
        if gate is not None:
            await gate.passed()
        return Answer(run=len(runs))

    async with transaction(scratch.sessions) as session:
        return await scratch.idempotency.run(
            session,
            scope=scope,
            key=key,
            request=identify(body),
            retention=timedelta(hours=1),
            action=action,
        )


@asynccontextmanager
async def _in_flight(
    scratch: Scratch, key: str, body: dict[str, int], runs: list[int]
) -> AsyncIterator[asyncio.Task[StoredAnswer]]:
    """A first request for ``key`` that is doing its work until the block ends."""
    gate = Gate()
    first = asyncio.create_task(_post(scratch, key, body, runs, gate=gate))
    await gate.started.wait()
    try:
        yield first
    finally:
        gate.release.set()
        await first


async def test_a_retry_replays_the_first_answer(scratch: Scratch) -> None:
    runs: list[int] = []
    first = await _post(scratch, "k1", {"amount": 5}, runs)
    again = await _post(scratch, "k1", {"amount": 5}, runs)
    assert (first.status, first.body, first.replayed) == (201, {"run": 1}, False)
    assert (again.status, again.body, again.replayed) == (201, {"run": 1}, True)
    assert len(runs) == 1


async def test_the_same_key_while_the_first_runs_is_409_then_replays(scratch: Scratch) -> None:
    runs: list[int] = []
    async with _in_flight(scratch, "k2", {"amount": 5}, runs) as first:
        duplicates = await asyncio.wait_for(  # they must not wait for the first
            asyncio.gather(
                *(_post(scratch, "k2", {"amount": 5}, runs) for _ in range(5)),
                return_exceptions=True,
            ),
            timeout=5,
        )
        assert not first.done()
    for refused in duplicates:
        assert isinstance(refused, Conflict)
        assert refused.status == 409
        assert refused.title == RequestInProgress.title
        assert refused.headers == {"Retry-After": "1"}
        assert "'k2' is still being processed" in refused.detail
    assert (first.result().body, first.result().replayed) == ({"run": 1}, False)
    again = await _post(scratch, "k2", {"amount": 5}, runs)
    assert (again.body, again.replayed) == ({"run": 1}, True)
    assert len(runs) == 1


async def test_replays_of_a_finished_request_run_side_by_side(scratch: Scratch) -> None:
    runs: list[int] = []
    await _post(scratch, "k2b", {"amount": 5}, runs)
    answers = await asyncio.gather(*(_post(scratch, "k2b", {"amount": 5}, runs) for _ in range(8)))
    assert all(answer.replayed and answer.body == {"run": 1} for answer in answers)
    assert len(runs) == 1


async def test_the_same_key_with_another_body_is_refused(scratch: Scratch) -> None:
    runs: list[int] = []
    await _post(scratch, "k3", {"amount": 5}, runs)
    with pytest.raises(Unprocessable, match="different request body"):
        await _post(scratch, "k3", {"amount": 6}, runs)
    assert len(runs) == 1


async def test_the_same_key_from_another_caller_is_another_request(scratch: Scratch) -> None:
    runs: list[int] = []
    one = await _post(scratch, "k-shared", {"amount": 5}, runs, scope="store:1")
    other = await _post(scratch, "k-shared", {"amount": 6}, runs, scope="store:2")
    assert (one.body, one.replayed, other.body, other.replayed) == (
        {"run": 1},
        False,
        {"run": 2},
        False,
    )
    again = await _post(scratch, "k-shared", {"amount": 6}, runs, scope="store:2")
    assert (again.body, again.replayed) == ({"run": 2}, True)


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("the process crashed"), Unprocessable("No member with this card_number")],
    ids=["crash", "domain-4xx"],
)
async def test_a_failed_first_attempt_leaves_the_key_free(
    scratch: Scratch, failure: Exception
) -> None:
    key = uuid.uuid4().hex
    gate = Gate()

    async def failing() -> Answer:
        await gate.passed()
        raise failure

    async def first_attempt() -> None:
        async with transaction(scratch.sessions) as session:
            await scratch.idempotency.run(
                session,
                scope="store:1",
                key=key,
                request=identify({"amount": 1}),
                retention=timedelta(hours=1),
                action=failing,
            )

    attempt = asyncio.create_task(first_attempt())
    await gate.started.wait()
    runs: list[int] = []
    with pytest.raises(Conflict):  # still in flight
        await asyncio.wait_for(_post(scratch, key, {"amount": 1}, runs), timeout=5)
    gate.release.set()
    with pytest.raises(type(failure)):
        await attempt
    answer = await _post(scratch, key, {"amount": 1}, runs)
    assert (answer.body, answer.replayed) == ({"run": 1}, False)
    assert len(runs) == 1


async def test_a_sale_rolled_back_to_its_savepoint_frees_its_key_at_once(
    scratch: Scratch,
) -> None:
    """As in a batch: the outer transaction goes on, and the key is free meanwhile."""

    async def refused() -> Answer:
        raise Unprocessable("No member with this card_number")

    runs: list[int] = []
    async with transaction(scratch.sessions) as batch:
        with pytest.raises(ProblemError):
            async with batch.begin_nested():
                await scratch.idempotency.run(
                    batch,
                    scope="store:1",
                    key="k-savepoint",
                    request=identify({"amount": 1}),
                    retention=timedelta(hours=1),
                    action=refused,
                )
        single = await _post(scratch, "k-savepoint", {"amount": 1}, runs)
    assert (single.body, single.replayed) == ({"run": 1}, False)


async def test_one_transaction_using_a_key_twice_replays_its_own_answer(
    scratch: Scratch,
) -> None:
    """As in a batch that carries the same sale twice."""
    runs: list[int] = []

    async def action() -> Answer:
        runs.append(1)
        return Answer(run=len(runs))

    async with transaction(scratch.sessions) as session:
        answers = [
            await scratch.idempotency.run(
                session,
                scope="store:1",
                key="k-twice",
                request=identify({"amount": 1}),
                retention=timedelta(hours=1),
                action=action,
            )
            for _ in range(2)
        ]
    assert [(a.body, a.replayed) for a in answers] == [({"run": 1}, False), ({"run": 1}, True)]


async def test_expired_keys_are_purged_and_fresh_ones_kept(scratch: Scratch) -> None:
    expired, fresh = uuid.uuid4().hex, uuid.uuid4().hex
    for key, retention in ((expired, timedelta(seconds=-1)), (fresh, timedelta(hours=1))):
        async with transaction(scratch.sessions) as session:
            await scratch.idempotency.run(
                session,
                scope="s",
                key=key,
                request=identify({}),
                retention=retention,
                action=lambda: _answer(),
            )
    async with transaction(scratch.sessions) as session:
        assert await scratch.idempotency.purge_expired(session) == 1
        left = await session.scalars(select(scratch.idempotency.table.c.key))
        assert set(left) == {fresh}
    runs: list[int] = []
    again = await _post(scratch, expired, {}, runs, scope="s")
    assert not again.replayed  # past its retention, a key is new work


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
                request=identify({}),
                retention=timedelta(hours=1),
                action=action,
            )
        answers.append(bytes(answer.response().body))
    assert answers[0] == answers[1]
    assert answers[0].index(b"long_name_first") < answers[0].index(b'"b"')


async def test_a_batch_claims_many_keys_at_once_as_run_does_one(scratch: Scratch) -> None:
    """Stored keys replay (or 422 for another body), a key in flight is 409, new ones are
    locked for the batch, and the answers it stores replay to later single requests."""
    runs: list[int] = []
    await _post(scratch, "b-done", {"amount": 1}, runs)
    hashes = {amount: identify({"amount": amount}) for amount in (1, 2, 3)}
    async with (
        _in_flight(scratch, "b-busy", {"amount": 1}, runs),
        transaction(scratch.sessions) as batch,
    ):
        claims = await scratch.idempotency.claim_many(
            batch, scope="store:1", keys=["b-done", "b-busy", "b-new", "b-new", "b-other"]
        )
        assert set(claims) == {"b-done", "b-busy", "b-new", "b-other"}
        replay = claims["b-done"].answer(hashes[1])
        assert replay is not None
        assert (replay.status, replay.body, replay.replayed) == (201, {"run": 1}, True)
        with pytest.raises(Unprocessable, match="different request body"):
            claims["b-done"].answer(hashes[2])
        with pytest.raises(Conflict, match="'b-busy' is still being processed"):
            claims["b-busy"].answer(hashes[1])
        assert claims["b-new"].answer(hashes[3]) is None
        assert claims["b-other"].answer(hashes[3]) is None
        with pytest.raises(Conflict):  # the batch holds the lock until it ends
            await asyncio.wait_for(_post(scratch, "b-new", {"amount": 3}, runs), timeout=5)
        await scratch.idempotency.store_many(
            batch,
            scope="store:1",
            answers=[("b-new", hashes[3].hash, {"long_name_first": 7, "b": "x"})],
            retention=timedelta(hours=1),
        )
    later = await _post(scratch, "b-new", {"amount": 3}, runs)
    assert (later.status, later.body, later.replayed) == (
        201,
        {"long_name_first": 7, "b": "x"},
        True,
    )
    assert list(later.body) == ["long_name_first", "b"]
    unclaimed = await _post(scratch, "b-other", {"amount": 3}, runs)  # no row was left
    assert not unclaimed.replayed
    assert len(runs) == 3


async def test_a_batch_replays_an_answer_committed_while_its_transaction_was_open(
    scratch: Scratch,
) -> None:
    runs: list[int] = []
    async with transaction(scratch.sessions) as batch:
        await batch.execute(select(1))  # the batch's transaction has begun
        await _post(scratch, "b-late", {"amount": 1}, runs)
        claims = await scratch.idempotency.claim_many(batch, scope="store:1", keys=["b-late"])
    answer = claims["b-late"].answer(identify({"amount": 1}))
    assert answer is not None
    assert (answer.body, answer.replayed) == ({"run": 1}, True)

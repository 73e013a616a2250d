"""The answers of idempotent POSTs: what is sent, stored and replayed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.idempotency.errors import IdempotencyKeyReused
from shared.idempotency.identity import RequestIdentity


class _StoredRow(Protocol):
    @property
    def request_hash(self) -> str: ...
    @property
    def status_code(self) -> int: ...
    @property
    def response(self) -> dict[str, Any]: ...


REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any
    replayed: bool

    def response(self, location: str | None = None) -> JSONResponse:
        headers = {REPLAY_HEADER: "true"} if self.replayed else {}
        if location is not None:
            headers["Location"] = location
        return _Json(self.body, status_code=self.status, headers=headers)


class _Json(JSONResponse):
    """JSON encoded by orjson: Starlette's ``JSONResponse`` encodes with the standard
    library's, several times slower, into the same bytes (compact, UTF-8). A body orjson
    refuses (an integer of 64 bits or more) falls back to it."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)


@dataclass(frozen=True)
class Replayed:
    """What an idempotent action returns when the request repeats earlier work: that
    work's answer, answered as a replay (``Idempotent-Replayed: true``)."""

    answer: BaseModel


Outcome = BaseModel | Replayed
"""What an idempotent action returns: its new answer, or an earlier one it repeats."""


def answer_of(outcome: Outcome, status: int) -> StoredAnswer:
    """The answer to send and store for an action's outcome."""
    if isinstance(outcome, Replayed):
        return StoredAnswer(status, outcome.answer.model_dump(mode="json"), replayed=True)
    return StoredAnswer(status, outcome.model_dump(mode="json"), replayed=False)


@dataclass(frozen=True)
class _Stored:
    request_hash: str
    status_code: int
    response: dict[str, Any]


def stored_answer(row: _StoredRow, key: str, request: RequestIdentity) -> StoredAnswer:
    """The stored answer to replay for ``request``; raises :class:`IdempotencyKeyReused`
    (422) if the key was stored for another request."""
    if not request.matches(row.request_hash):
        raise reused_key(key)
    return StoredAnswer(row.status_code, row.response, replayed=True)


def reused_key(key: str) -> IdempotencyKeyReused:
    """The 422 for a key that came before with another body."""
    return IdempotencyKeyReused(
        f"Idempotency-Key {key!r} was already used with a different request body; "
        "use a new key for a new request"
    )

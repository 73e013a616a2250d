"""Idempotent POSTs: the key table (``keys``) and the route dependency (``http``)."""

from shared.idempotency.http import Caller, Idempotent, IdempotentPost, openapi_conflict
from shared.idempotency.keys import (
    REPLAY_HEADER,
    Claim,
    IdempotencyKeyReused,
    IdempotencyKeys,
    InvalidIdempotencyKey,
    Outcome,
    Replayed,
    RequestInProgress,
    StoredAnswer,
    check_key,
    fingerprint,
    reused_key,
)

__all__ = [
    "REPLAY_HEADER",
    "Caller",
    "Claim",
    "IdempotencyKeyReused",
    "IdempotencyKeys",
    "Idempotent",
    "IdempotentPost",
    "InvalidIdempotencyKey",
    "Outcome",
    "Replayed",
    "RequestInProgress",
    "StoredAnswer",
    "check_key",
    "fingerprint",
    "openapi_conflict",
    "reused_key",
]

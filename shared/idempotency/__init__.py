"""Idempotent POSTs: the key table (``keys``) and the route dependency (``http``)."""

from shared.idempotency.http import Caller, Idempotent, IdempotentPost, openapi_conflict
from shared.idempotency.identity import RequestIdentity, fingerprint, identify
from shared.idempotency.keys import (
    REPLAY_HEADER,
    Claim,
    IdempotencyKeyReused,
    IdempotencyKeys,
    InvalidIdempotencyKey,
    RequestInProgress,
    StoredAnswer,
    check_key,
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
    "RequestIdentity",
    "RequestInProgress",
    "StoredAnswer",
    "check_key",
    "fingerprint",
    "identify",
    "openapi_conflict",
    "reused_key",
]

"""Idempotent POSTs: the first successful answer to a key is stored and replayed.

The package: the key table (``keys``), what identifies a request (``identity``), the route
dependency (``http``) and the named errors (``errors``).

The contract, for every POST that creates or moves value:

- A key is scoped to its caller (a store, a token subject): two stores may use the same
  receipt number as their key without meeting.
- A retry with the same key and body gets the first answer again, same status and same
  bytes, marked ``Idempotent-Replayed: true``; the work is not done twice.
- The same key with a different body is refused with 422: the client has a bug, and
  answering with the other request's result would hide it.
- The same key while its first request is still running is refused at once with 409 and
  ``Retry-After``. Waiting instead would hold a connection and a database backend per
  retry for as long as the first request takes, which is what a client retrying in a
  storm (a POS reconnecting after an outage) must not be able to cause.
- Only successful answers are stored. A request that fails, with a 4xx of the domain
  (an unknown member, too few points) or a crash, rolls back with its transaction, key
  row included, so a retry with the same key does the work. Stripe stores 4xx answers
  too; here the usual 4xx of a sale is "this member is not known yet, retry shortly",
  which a stored answer would turn into a refusal for the key's whole retention.
- Keys live for ``retention`` (7 days for store sales, which stores may batch offline;
  24 hours elsewhere), then a worker in each service purges them. A retry after that is
  new work.
"""

from shared.idempotency.answers import (
    REPLAY_HEADER,
    Outcome,
    Replayed,
    StoredAnswer,
    reused_key,
)
from shared.idempotency.errors import (
    MAX_KEY_LENGTH,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    RequestInProgress,
    check_key,
)
from shared.idempotency.http import (
    Caller,
    Idempotent,
    IdempotentPost,
    StorePost,
    key_header,
    openapi_conflict,
)
from shared.idempotency.identity import RequestIdentity, fingerprint, identify
from shared.idempotency.keys import Claim, IdempotencyKeys

__all__ = [
    "MAX_KEY_LENGTH",
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
    "RequestIdentity",
    "RequestInProgress",
    "StorePost",
    "StoredAnswer",
    "check_key",
    "fingerprint",
    "identify",
    "key_header",
    "openapi_conflict",
    "reused_key",
]

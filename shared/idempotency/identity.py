"""What makes two requests with one ``Idempotency-Key`` the same request.

A request is identified by the SHA-256 of its body **as sent** (canonical JSON: keys
sorted, so key order and whitespace do not matter), plus the path values that name the
resource (a return's purchase, a redemption's member). Validation may normalise a value
(a phone typed ``138 1234 5678`` is stored as ``+8613812345678``), and the rules of
normalisation change between releases; the body as sent does not, so a stored key keeps
matching its retries across upgrades.

Keys stored by releases before 0.2 hashed the body **as validated** by that release,
which did not normalise strings (only re-rendered times). :func:`identify` therefore also
yields that hash, rebuilt as the validated body with the values the client sent, so that a
retry across the upgrade still gets its stored answer. It can go once every key stored by
such a release has expired (seven days at most).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def fingerprint(request: BaseModel | dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``request`` (a model is dumped as JSON first).

    orjson refuses integers of 64 bits or more; such a body falls back to the standard
    library's encoder rather than failing.
    """
    body = request.model_dump(mode="json") if isinstance(request, BaseModel) else request
    try:
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class RequestIdentity:
    """A request's hash (stored with a new key) and the hashes a stored key may also have."""

    hash: str
    legacy: str | None = None

    def matches(self, stored_hash: str) -> bool:
        return stored_hash == self.hash or stored_hash == self.legacy


def identify(
    sent: Any, validated: BaseModel | None = None, path: dict[str, str] | None = None
) -> RequestIdentity:
    """The identity of a request whose body was ``sent`` (parsed JSON) and ``validated``.

    ``path`` holds the values from the URL that name the resource (``{"purchase_id": ...}``):
    the same body may come for two resources.
    """
    named = path or {}
    current = fingerprint({**named, **sent} if isinstance(sent, dict) else {**named, "": sent})
    if validated is None:
        return RequestIdentity(current)
    return RequestIdentity(current, fingerprint({**named, **_as_sent(validated, sent)}))


def _as_sent(model: BaseModel, sent: Any) -> dict[str, Any]:
    """``model`` as JSON, with each value the client sent in place of its validated form."""
    dumped = model.model_dump(mode="json")
    if not isinstance(sent, dict):
        return dumped
    return {
        name: _value_as_sent(getattr(model, name), sent[name]) if name in sent else dumped[name]
        for name in type(model).model_fields
    }


def _value_as_sent(value: Any, sent: Any) -> Any:
    if isinstance(value, BaseModel):
        return _as_sent(value, sent)
    if isinstance(value, list | tuple) and isinstance(sent, list) and len(sent) == len(value):
        return [_value_as_sent(item, given) for item, given in zip(value, sent, strict=True)]
    if isinstance(value, datetime) and isinstance(sent, str):
        try:  # times were re-rendered by validation, as pydantic renders the time sent
            return _DATETIME.dump_python(_DATETIME.validate_python(sent), mode="json")
        except ValidationError:
            return sent
    return sent

"""What makes two requests with one ``Idempotency-Key`` the same request.

A request is identified by the SHA-256 of its method and URL path and its body **as
sent** (canonical JSON: keys sorted, so key order and whitespace do not matter), plus the
path values that name the resource (a return's purchase, a redemption's member).
Validation may normalise a value (a phone typed ``138 1234 5678`` is stored as
``+8613812345678``), and the rules of
normalisation change between releases; the body as sent does not, so a stored key keeps
matching its retries across upgrades.

Keys stored by releases before 0.2 hashed the body **as validated** by that release, which
normalised less than validation does now (phones and surrounding spaces were kept as sent).
:func:`identify` therefore also knows the hashes such a key may have for the request,
rebuilt from the values sent and validated, and checks them only when the stored hash is not
the request's own, so that a retry across the upgrade still gets its stored answer. It can
go once every key stored by such a release has expired (seven days at most).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice, product
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

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
    """A request's hash (stored with a new key), and how to tell the hash a key stored by a
    release before 0.2 would have for it (worked out only when the stored hash differs)."""

    hash: str
    legacy: Callable[[], Iterator[str]] | None = field(default=None, compare=False)

    def matches(self, stored_hash: str) -> bool:
        if stored_hash == self.hash:
            return True
        return self.legacy is not None and stored_hash in self.legacy()


def identify(
    sent: Any,
    validated: BaseModel | None = None,
    path: dict[str, str] | None = None,
    route: str | None = None,
) -> RequestIdentity:
    """The identity of a request whose body was ``sent`` (parsed JSON) and ``validated``.

    ``path`` holds the values from the URL that name the resource (``{"purchase_id": ...}``):
    the same body may come for two resources. ``route`` is the request's method and URL
    path (``POST /members/…/adjustments``): one key with one body sent to two endpoints is
    two requests, and the second is refused as a reused key instead of replaying the first
    endpoint's answer. Keys stored before the route was part of the identity still match
    their retries by the body alone (:attr:`RequestIdentity.legacy`) until they expire.
    """
    named = path or {}
    body = {**named, **sent} if isinstance(sent, dict) else {**named, "": sent}
    routeless = fingerprint(body)
    current = routeless if route is None else fingerprint({"route": route, "request": body})
    if validated is None and route is None:
        return RequestIdentity(current)
    model = validated

    def legacy() -> Iterator[str]:
        if route is not None:
            yield routeless
        if model is None:
            return
        for form in islice(_as_validated_before(model, sent), _MAX_LEGACY_FORMS):
            yield fingerprint({**named, **form})

    return RequestIdentity(current, legacy)


_MAX_LEGACY_FORMS = 64


def _as_validated_before(model: BaseModel, sent: Any) -> Iterator[dict[str, Any]]:
    """The forms ``model`` may have had as validated by a release before 0.2.

    That release normalised some values (e-mail domains, ids, times) and not others
    (phones, surrounding spaces) which validation normalises now. Where the value sent and
    the value validated now differ, either may be the old one; times it re-rendered as
    pydantic renders the time sent. A field the model names in ``FIELDS_SINCE_0_2`` (a
    ``ClassVar``) did not exist then, so it is left out unless it was sent.
    """
    dumped = model.model_dump(mode="json", by_alias=False)
    if not isinstance(sent, dict):
        yield dumped
        return
    added: frozenset[str] = getattr(type(model), "FIELDS_SINCE_0_2", frozenset())
    # a field with an alias (``zh-CN`` for ``zh_cn``) was sent under either
    keys = {
        name: _sent_key(name, info.alias, sent) for name, info in type(model).model_fields.items()
    }
    names = [name for name, key in keys.items() if key in sent or name not in added]
    choices = [
        list(_forms(getattr(model, name), sent[keys[name]]))
        if keys[name] in sent
        else [dumped[name]]
        for name in names
    ]
    for combination in product(*choices):
        yield dict(zip(names, combination, strict=True))


def _sent_key(name: str, alias: str | None, sent: dict[str, Any]) -> str:
    return alias if alias is not None and alias in sent else name


def _forms(value: Any, sent: Any) -> Iterator[Any]:
    if isinstance(value, BaseModel):
        yield from _as_validated_before(value, sent)
    elif isinstance(value, list | tuple) and isinstance(sent, list) and len(sent) == len(value):
        yield from (
            list(items)
            for items in product(
                *(list(_forms(item, given)) for item, given in zip(value, sent, strict=True))
            )
        )
    elif isinstance(value, datetime) and isinstance(sent, str):
        try:
            yield _DATETIME.dump_python(_DATETIME.validate_python(sent), mode="json")
        except ValidationError:
            yield sent
    else:
        rendered = to_jsonable_python(value)
        yield rendered
        if isinstance(sent, str) and isinstance(rendered, str) and sent != rendered:
            yield sent

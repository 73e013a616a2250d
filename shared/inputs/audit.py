"""Find the request inputs an OpenAPI document leaves unbounded.

The rule the input types exist for: every value a client sends has a documented bound.
:func:`unbounded_inputs` lists each place of an OpenAPI document where it has none, so a
test over every service's ``app.openapi()`` keeps the rule for fields added later:

* a string without ``maxLength``, or without a ``pattern`` (that of the text types keeps
  control characters out), unless it is an ``enum``, a ``const`` or of a format whose
  syntax bounds it (``uuid``, ``date``, ``date-time``, ``time``; ``email`` needs
  ``maxLength`` still);
* an integer or number without both ``minimum`` and ``maximum`` (or their exclusive forms);
* an array without ``maxItems``; an object used as a map (``additionalProperties`` or
  ``patternProperties``) without ``maxProperties``, or whose keys have no ``maxLength``
  or no pattern.

Request bodies (``application/json``) and parameters (path, query, header, cookie) are
walked through ``$ref``, ``anyOf``, ``oneOf``, ``allOf``, properties and items. A list is
capped with ``Annotated[list[T], Len(min, max)]`` (``annotated_types.Len``) or
``Field(max_length=...)``, a dict the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

BOUNDED_FORMATS = frozenset({"uuid", "date", "date-time", "time"})
_CHECKED_FORMATS = BOUNDED_FORMATS | {"email"}
_METHODS = ("get", "put", "post", "delete", "patch")


def unbounded_inputs(openapi: Mapping[str, Any]) -> list[str]:
    """``"POST /members body.name: string without maxLength"``, one per unbounded input."""
    found: list[str] = []
    components = openapi.get("components", {}).get("schemas", {})
    for path, operations in openapi.get("paths", {}).items():
        for method in _METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                at = f"{where} {parameter['in']}.{parameter['name']}"
                found += _faults(at, parameter.get("schema", {}), components, frozenset())
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = content["application/json"].get("schema", {})
                found += _faults(f"{where} body", body, components, frozenset())
    return found


def _faults(
    at: str, schema: Mapping[str, Any], components: Mapping[str, Any], seen: frozenset[str]
) -> Iterator[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _faults(at, components[name], components, seen | {name})
        return
    for combinator in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(combinator, []):
            yield from _faults(at, branch, components, seen)
    kind = schema.get("type")
    if kind == "string":
        yield from _string_faults(at, schema)
    elif kind in ("integer", "number") and not _bounded_number(schema):
        yield f"{at}: {kind} without minimum and maximum"
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{at}: array without maxItems"
        yield from _faults(f"{at}[]", schema.get("items", {}), components, seen)
    elif kind == "object" or "properties" in schema:
        for name, field in schema.get("properties", {}).items():
            yield from _faults(f"{at}.{name}", field, components, seen)
        yield from _map_faults(at, schema, components, seen)


def _map_faults(
    at: str, schema: Mapping[str, Any], components: Mapping[str, Any], seen: frozenset[str]
) -> Iterator[str]:
    """An object used as a map: its size, its keys and its values must be bounded."""
    extra = schema.get("additionalProperties")
    patterned: Mapping[str, Any] = schema.get("patternProperties", {})
    if not (isinstance(extra, Mapping) or extra is True or patterned):
        return
    if "maxProperties" not in schema:
        yield f"{at}: object without maxProperties"
    keys = schema.get("propertyNames", {})
    if keys.get("format") not in BOUNDED_FORMATS:  # a uuid or date key is bounded as it is
        if "maxLength" not in keys:
            yield f"{at}: object keys without maxLength"
        if "pattern" not in keys and not patterned:
            yield f"{at}: object keys without pattern"
    values = [*patterned.values(), *([extra] if isinstance(extra, Mapping) else [])]
    for value in values:
        yield from _faults(f"{at}.*", value, components, seen)


def _string_faults(at: str, schema: Mapping[str, Any]) -> Iterator[str]:
    if "enum" in schema or "const" in schema or schema.get("format") in BOUNDED_FORMATS:
        return
    if "maxLength" not in schema:
        yield f"{at}: string without maxLength"
    if "pattern" not in schema and schema.get("format") not in _CHECKED_FORMATS:
        yield f"{at}: string without pattern"


def _bounded_number(schema: Mapping[str, Any]) -> bool:
    low = "minimum" in schema or "exclusiveMinimum" in schema
    high = "maximum" in schema or "exclusiveMaximum" in schema
    return low and high

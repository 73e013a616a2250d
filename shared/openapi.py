"""Every operation's OpenAPI lists each status and content type the service really answers.

FastAPI documents a 422 as ``application/json`` ``HTTPValidationError`` and nothing else of
what can go wrong. Every error here is ``application/problem+json`` (RFC 9457), any request
may get 413 (body over ``max_body_bytes``), 500 or 503, one with a JSON body 415 (sent as
another media type), and a caller who must sign in may get 401 or 403.
:func:`document_problems` rewrites the generated document once, so that a router states
only what is its own: a 404 or 409 as ``responses={404: problem(...)}``, and a dependency
that refuses callers declares it with :func:`answers`.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.openapi.utils import validation_error_definition
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security.base import SecurityBase
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import (
    PROBLEM_JSON,
    BadRequest,
    Forbidden,
    InternalError,
    InvalidRequest,
    ProblemError,
    RequestTooLarge,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
)

PROBLEM_REF = "#/components/schemas/Problem"
REQUEST_ID_REF = "#/components/headers/X-Request-ID"

ResponsesDoc = dict[int | str, dict[str, Any]]
_Dependency = TypeVar("_Dependency", bound=Callable[..., Any])
_ANSWERS: dict[Callable[..., Any], tuple[int, ...]] = {}
_ADMITS: dict[Callable[..., Any], tuple[str, ...]] = {}
ROLES_EXTENSION = "x-roles"
"""An operation's OpenAPI member: the staff roles its dependencies admit (admin always)."""

# The problems every operation may answer, or many do: what they mean, and an example detail
_COMMON: dict[str, tuple[str, str]] = {
    "400": ("The body is not JSON in UTF-8", "There was an error parsing the body"),
    "401": (
        "No credentials, or credentials that are not valid (`WWW-Authenticate` names the "
        "ones expected)",
        "This endpoint needs a bearer token (Authorization: Bearer ...)",
    ),
    "403": (
        "The caller is signed in but may not do this",
        "This endpoint is for staff with one of the roles: admin, marketing",
    ),
    "413": (
        "The request body is longer than the service accepts (setting `max_body_bytes`, "
        "4 MiB unless configured); it was not read",
        "The request body is larger than 4194304 bytes, so it was not read and nothing was "
        "saved; send it in smaller requests",
    ),
    "415": (
        "The body is not sent as JSON (`Content-Type: application/json`); nothing was saved",
        "This endpoint takes a JSON body, and this one came as another media type: send it "
        "with Content-Type: application/json",
    ),
    "422": (
        "Invalid input: `errors` names each field (`location`) and what is wrong with it; "
        "nothing was saved",
        "The request is invalid: body.lines.0.quantity: Input should be greater than 0",
    ),
    "429": (
        "A rate limit refused this request; nothing was looked up or saved. Retry after "
        "`Retry-After` seconds.",
        "Too many wrong store keys from this address; retry in 42 seconds.",
    ),
    "500": (
        "An unexpected error; nothing was saved. It is logged with the request's `X-Request-ID`.",
        "An unexpected error occurred; nothing was saved.",
    ),
    "503": (
        "The database is briefly unavailable; nothing was saved. Retry after `Retry-After` "
        "seconds (with the same `Idempotency-Key`, if one was sent).",
        "The database is briefly unavailable; nothing was saved. Retry shortly (with the "
        "same Idempotency-Key, if you sent one).",
    ),
}
_NAMED: dict[str, type[ProblemError]] = {
    "400": BadRequest,
    "401": Unauthorized,
    "403": Forbidden,
    "413": RequestTooLarge,
    "415": UnsupportedMediaType,
    "422": InvalidRequest,
    "500": InternalError,
    "503": ServiceUnavailable,
}
_EVERYWHERE = ("413", "500", "503")
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "example": 1},
}
_INVALID_FIELDS = [
    {
        "location": "body.lines.0.quantity",
        "message": "Input should be greater than 0",
        "type": "greater_than",
    }
]


class InvalidField(BaseModel):
    location: str = Field(examples=["body.lines.0.quantity"])
    message: str = Field(examples=["Input should be greater than 0"])
    type: str | None = Field(None, examples=["greater_than"], description="On invalid input")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details; some problems add members of their own."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="A URI naming the kind of problem")
    title: str = Field(description="The kind of problem, in words")
    status: int = Field(description="The HTTP status of the answer")
    detail: str = Field(description="What went wrong this time, and what to do about it")
    instance: str | None = Field(None, description="The path of the request")
    errors: list[InvalidField] | None = Field(
        None, description="On a 422 for invalid input: each field at fault"
    )


def answers(*statuses: int) -> Callable[[_Dependency], _Dependency]:
    """Marks a dependency: every operation that depends on it may answer ``statuses``."""

    def mark(dependency: _Dependency) -> _Dependency:
        _ANSWERS[dependency] = statuses
        return dependency

    return mark


def admits(*roles: str) -> Callable[[_Dependency], _Dependency]:
    """Marks a dependency that admits only staff with one of ``roles``: every operation that
    depends on it lists them, sorted, in its ``x-roles`` member."""

    def mark(dependency: _Dependency) -> _Dependency:
        _ADMITS[dependency] = roles
        return dependency

    return mark


def problem(
    status: int | ProblemError, detail: str = "", description: str | None = None
) -> ResponsesDoc:
    """A route's ``responses`` entry for a problem it answers (a 404, a 409): an example
    answer with ``detail``, described as ``description`` (or as ``detail``).

    Given a named error (``problem(PurchaseNotFound("No purchase … at this store"))``), the
    example carries its type, title, status and detail.
    """
    if isinstance(status, ProblemError):
        named = status
        example = {"type": named.problem_type, "title": named.title, "status": named.status}
        return {
            named.status: {
                "description": description or named.detail,
                "content": {PROBLEM_JSON: {"example": example | {"detail": named.detail}}},
            }
        }
    example = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    return {
        status: {
            "description": description or detail,
            "content": {PROBLEM_JSON: {"example": example | {"detail": detail}}},
        }
    }


def document_problems(app: FastAPI) -> None:
    """Makes ``app.openapi()`` document every problem answer of every operation."""
    generate = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached until the routes change
        if not documented or documented[0] is not schema:
            _document(app, schema)
            documented[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way


def _document(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs"))
    schemas["Problem"] = problem_schema
    if schemas.get("ValidationError") == validation_error_definition:  # FastAPI's 422 body
        del schemas["ValidationError"], schemas["HTTPValidationError"]
    components.setdefault("headers", {})["X-Request-ID"] = {
        "description": "The request's id: the `X-Request-ID` it came with, or a new one",
        "schema": {"type": "string"},
    }
    guards = _guards_by_operation(app)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            refusals, roles = guards.get((path, method.upper()), (set(), None))
            for refusal in refusals:
                responses.setdefault(str(refusal), {})
            if roles is not None:
                operation[ROLES_EXTENSION] = sorted(roles)
            if "requestBody" in operation:
                responses.setdefault("400", {})
                if "application/json" in operation["requestBody"].get("content", {}):
                    responses.setdefault("415", {})
            for code in _EVERYWHERE:  # a route's own 503 (/readyz) says its own headers
                retry = {"headers": {"Retry-After": _RETRY_AFTER}} if code == "503" else {}
                responses.setdefault(code, retry)
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = _RETRY_AFTER
            for code, response in responses.items():
                if code[0] in "45":
                    _as_problem(code, response)
                response.setdefault("headers", {})["X-Request-ID"] = {"$ref": REQUEST_ID_REF}


def _as_problem(status: str, response: dict[str, Any]) -> None:
    description, detail = _COMMON.get(status, (None, None))
    if response.get("description") in (None, "Validation Error"):  # none, or FastAPI's 422
        response["description"] = description or HTTPStatus(int(status)).phrase
    content = response.get("content", {})
    media: dict[str, Any] = {**content.get("application/json", {}), **content.get(PROBLEM_JSON, {})}
    media["schema"] = {"$ref": PROBLEM_REF}
    if "example" not in media and "examples" not in media:
        named = _NAMED.get(status)
        example = {
            "type": named(detail or "").problem_type if named else "about:blank",
            "title": named.title if named else HTTPStatus(int(status)).phrase,
            "status": int(status),
            "detail": detail or response["description"],
        }
        media["example"] = example | ({"errors": _INVALID_FIELDS} if status == "422" else {})
    response["content"] = {PROBLEM_JSON: media}


def _guards_by_operation(
    app: FastAPI,
) -> dict[tuple[str, str], tuple[set[int], set[str] | None]]:
    """By path and method: the statuses each operation's dependencies may answer (401,
    403), and the roles they admit (None where no dependency checks a role)."""
    found: dict[tuple[str, str], tuple[set[int], set[str] | None]] = {}
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        statuses: set[int] = set()
        roles: set[str] | None = None
        pending = list(context.dependant.dependencies)
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            statuses.update(_ANSWERS.get(dependant.call, ()) if dependant.call else ())
            if dependant.call in _ADMITS:
                admitted = {"admin", *_ADMITS[dependant.call]}
                roles = admitted if roles is None else roles & admitted
            if isinstance(dependant.call, SecurityBase):
                statuses.add(401)
        for method in context.methods or ():
            found[(str(context.path_format), method)] = (statuses, roles)
    return found

"""RFC 9457 problem details: named errors raised by domain code, answered at the edge.

Every error a service answers with on purpose is a :class:`ProblemError` subclass with a
stable problem ``type`` URI (``urn:huiyuan:problem:<slug>``), a title and an HTTP status.
Capabilities declare their own in their ``errors.py``; domain and use-case code raises them
with a plain-language ``detail`` and, where one input caused it, the ``field`` it came from
as a path inside the request body (``card_number``, ``lines.0.quantity``). Domain code never
builds HTTP locations: the edge (:func:`install_problem_handlers`) turns ``field`` into
``errors: [{"location": "body.card_number", ...}]``, and a batch endpoint places it under the
item it refused (``body.sales.3.card_number``).

Every subclass with a ``slug`` is recorded in :data:`PROBLEM_TYPES`; docs/problems.md lists
them all, and a test keeps the two in step.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import is_transient

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:huiyuan:problem:"

PROBLEM_TYPES: dict[str, type[ProblemError]] = {}
"""Every named problem type, by its ``type`` URI."""


def _name(problem: type[ProblemError]) -> str:
    """Where a class is declared: a module reloaded in a test declares it again there."""
    return f"{problem.__module__}.{problem.__qualname__}"


def problem_type_uri(slug: str) -> str:
    return PROBLEM_TYPE_PREFIX + slug


class ProblemError(Exception):
    """Raise from service code to answer with a problem+json response.

    Subclasses set ``slug`` (the last part of the type URI), ``status`` and ``title``;
    instances carry ``detail`` (what went wrong, in plain words), the ``field`` it concerns,
    if one (a path inside the request body, or a name in the part ``where`` says: ``query``,
    ``path``, ``header``), response ``headers`` and extension members.
    """

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slug = cls.__dict__.get("slug")
        if slug is not None:
            uri = problem_type_uri(slug)
            known = PROBLEM_TYPES.get(uri)
            if known is not None and _name(known) != _name(cls):
                raise TypeError(f"problem type {uri} is declared twice")
            PROBLEM_TYPES[uri] = cls

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        where: str = "body",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.where = where
        self.headers = headers or {}
        self.extensions = extensions

    @property
    def problem_type(self) -> str:
        return "about:blank" if self.slug is None else problem_type_uri(self.slug)

    def errors(self, body: str = "body") -> list[dict[str, str]] | None:
        """The ``errors`` member naming the field; a body field is located under ``body``
        (a batch passes ``body.sales.3`` for its fourth item)."""
        if self.field is None:
            return None
        where = body if self.where == "body" else self.where
        return [{"location": f"{where}.{self.field}", "message": self.detail}]


class BadRequest(ProblemError):
    """The request cannot be read at all (a body that is not JSON, or not UTF-8, is a 422 or
    a 415 naming where)."""

    status = 400
    title = "Bad request"
    slug = "bad-request"


class NotFound(ProblemError):
    """The resource named in the path does not exist (or is not the caller's to see)."""

    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(ProblemError):
    """The request clashes with the current state of the resource."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class Unprocessable(ProblemError):
    """The request is well-formed but breaks a rule of the domain."""

    status = 422
    title = "Unprocessable content"
    slug = "unprocessable"


class UnknownMember(Unprocessable):
    """The request names a member id or card no member has — or, in a service that learns
    of members from events (orders), one whose registration has not arrived yet; nothing
    was written."""

    title = "Unknown member"
    slug = "unknown-member"


class Unauthorized(ProblemError):
    """No credentials, or credentials that are not valid (`WWW-Authenticate` says which)."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(ProblemError):
    """The caller is known but may not do this (role, or another member's data)."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class TooManyInvalidTokens(ProblemError):
    """Too many wrong bearer tokens came from this client address in the last minute: its
    tokens are refused without being verified until `Retry-After` seconds have passed (a
    token this service verified earlier still works)."""

    status = 429
    title = "Too many invalid tokens"
    slug = "too-many-invalid-tokens"


class InvalidRequest(Unprocessable):
    """The request does not match the endpoint's schema (answered by the framework)."""

    title = "Invalid request"
    slug = "invalid-request"


class InvalidCursor(Unprocessable):
    """A paging cursor that is not in the form of the list's cursors."""

    title = "Invalid cursor"
    slug = "invalid-cursor"


class RequestTooLarge(ProblemError):
    """The request body is longer than the service's ``max_body_bytes``; it was not read."""

    status = 413
    title = "Request body too large"
    slug = "body-too-large"


class UnsupportedMediaType(ProblemError):
    """The endpoint takes a JSON body and the request's `Content-Type` is not JSON (or is
    missing), or names another charset than UTF-8: send `Content-Type: application/json`,
    the body in UTF-8. Nothing was saved."""

    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class ServiceUnavailable(ProblemError):
    """The database is briefly unavailable; nothing was saved. Retry after `Retry-After`."""

    status = 503
    title = "Service unavailable"
    slug = "service-unavailable"


class InternalError(ProblemError):
    """An unexpected error; nothing was saved. Logged with the request's `X-Request-ID`."""

    status = 500
    title = "Internal server error"
    slug = "internal-error"


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    problem_type: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({name: value for name, value in extensions.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_response(exc: ProblemError, instance: str | None = None) -> JSONResponse:
    """The problem+json answer for a named error."""
    return problem_response(
        exc.status,
        exc.detail,
        title=exc.title,
        problem_type=exc.problem_type,
        instance=instance,
        headers=exc.headers,
        **{"errors": exc.errors(), **exc.extensions},
    )


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def validation_errors(errors: Any, prefix: tuple[int | str, ...] = ()) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"location", "message", "type"}`` items, never echoing input."""
    return [
        {
            "location": _location((*prefix, *tuple(err["loc"]))),
            "message": err["msg"],
            "type": err["type"],
        }
        for err in errors
    ]


def _request_problem(request: Request, exc: RequestValidationError) -> ProblemError:
    """What is wrong with a request the framework refused: 415 for a body sent as another
    media type than the route's JSON, else 422 naming each field (a body that is no JSON
    by where it breaks: ``location`` ``body``, the line and column in the message)."""
    if isinstance(exc.body, bytes):  # FastAPI parses a JSON route's body only if typed JSON
        how = "as another media type" if "content-type" in request.headers else "without one"
        return UnsupportedMediaType(
            f"This endpoint takes a JSON body, and this one came {how}: send it with "
            "Content-Type: application/json",
            where="header",
            field="Content-Type",
        )
    errors = [
        _unparsed(exc.body, err) if err["type"] == "json_invalid" else err for err in exc.errors()
    ]
    found = validation_errors(errors)
    return InvalidRequest(f"The request is invalid: {summarize(found)}", errors=found)


def _unparsed(body: object, error: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's error for a body that is no JSON (at ``body.<character offset>``) as a
    reader counts: at ``body``, "Not JSON: Expecting ',' delimiter at line 3, column 14"
    (the parser's words say what it expected there)."""
    offset = error["loc"][-1]
    text = body if isinstance(body, str) else ""
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    reason = error.get("ctx", {}).get("error", "Unreadable")
    at = reason if reason.endswith(" at") else f"{reason} at"  # "Unterminated string starting at"
    return {**error, "loc": ("body",), "msg": f"Not JSON: {at} line {line}, column {column}"}


def _undecodable(error: UnicodeDecodeError) -> ProblemError:
    """A JSON body that is not UTF-8 (and says no other charset: ``shared.edge`` refuses
    those) as a body that does not parse (:func:`_unparsed`): 422 at ``body`` naming the
    first byte that is not UTF-8, by line and column in characters."""
    body = bytes(error.object)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as not_utf8:
        at = not_utf8.start
    else:  # UTF-8 after all, taken for UTF-16 or UTF-32 by its zero bytes (``json.loads``)
        at = body.find(0) if 0 in body else error.start
    line_start = body.rfind(b"\n", 0, at) + 1
    line = body.count(b"\n", 0, at) + 1
    column = len(body[line_start:at].decode("utf-8", "replace")) + 1
    message = f"Not JSON: not UTF-8, byte 0x{body[at]:02x} at line {line}, column {column}"
    found = [{"location": "body", "message": message, "type": "json_invalid"}]
    return InvalidRequest(f"The request is invalid: {summarize(found)}", errors=found)


def summarize(errors: list[dict[str, str]]) -> str:
    return "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5])


_refusals = logging.getLogger("huiyuan.audit.refused")


def _log_refusal(request: Request, status: int) -> None:
    """A refused attempt (401, 403) has no transaction to be audited in, so it is a log
    line an operator can count and alert on: the route, the status, the token's subject
    and role where the token was valid (a 403), the peer; no credential."""
    principal = getattr(request.state, "principal", None)
    route = request.scope.get("route")
    _refusals.warning(
        "refused %s %s: %d",
        request.method,
        getattr(route, "path_format", request.url.path),
        status,
        extra={
            "audit_status": status,
            "audit_actor": getattr(principal, "subject", None),
            "audit_role": getattr(principal, "role", None),
            "audit_client": request.client.host if request.client else None,
        },
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        if exc.status in (401, 403):
            _log_refusal(request, exc.status)
        return error_response(exc, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_request_problem(request, exc), instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        named = getattr(exc, "problem", None)  # raised where only an HTTPException gets through
        if isinstance(named, ProblemError):
            return error_response(named, instance=request.url.path)
        if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI's 400 for such a body
            return error_response(_undecodable(exc.__cause__), instance=request.url.path)
        return problem_response(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return error_response(
                ServiceUnavailable(
                    "The database is briefly unavailable; nothing was saved. Retry shortly "
                    "(with the same Idempotency-Key, if you sent one).",
                    headers={"Retry-After": "1"},
                ),
                instance=request.url.path,
            )
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            InternalError("An unexpected error occurred; nothing was saved."),
            instance=request.url.path,
        )

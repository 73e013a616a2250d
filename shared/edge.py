"""The HTTP edge every service shares: a byte cap on request bodies, text refused in
another encoding than UTF-8 (a JSON body's declared charset, a URL's percent-escapes), a
whole answer to a crash.

All three are plain ASGI middleware (Starlette's ``BaseHTTPMiddleware`` costs a task and memory
streams per request) placed inside :class:`~shared.observability.RequestContextMiddleware`,
so that what they answer carries ``X-Request-ID`` and what they log carries the request id.

FastAPI's own ``max_body_size`` is not used for the cap: it refuses a declared length only
when the endpoint reads the body or starts its answer (so an endpoint that reads none runs
to its end first), and where it answers itself it sends ``text/plain`` from outside the
request context.
"""

from __future__ import annotations

import email.message
import inspect
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import (
    InvalidRequest,
    RequestTooLarge,
    UnsupportedMediaType,
    error_response,
    summarize,
)

# The client may still be sending the body we refuse to read: closing the connection after
# the answer costs less than receiving the rest only to throw it away.
_CLOSE = {"Connection": "close"}


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"The request body is larger than {limit} bytes, so it was not read and nothing was "
        "saved; send it in smaller requests",
        headers=_CLOSE,
    )


def foreign_charset(content_type: str) -> UnsupportedMediaType | None:
    """The 415 for a JSON media type (``application/json``, ``…+json``) whose ``charset``
    is not UTF-8, the only encoding JSON between systems may use (RFC 8259, section 8.1);
    ``None`` for any other ``Content-Type``. Checked before a body is read
    (:class:`EncodingMiddleware`): GBK bytes often decode as UTF-8 too (谢 is "л"), and
    would be stored garbled."""
    header = email.message.Message()
    header["content-type"] = content_type
    subtype = header.get_content_subtype()
    is_json = header.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )
    charset = header.get_content_charset()
    if not is_json or charset is None or charset.replace("-", "").replace("_", "") == "utf8":
        return None
    return UnsupportedMediaType(
        f"JSON bodies are UTF-8, and this one came as charset={charset}: send it encoded "
        "in UTF-8, with Content-Type: application/json",
        where="header",
        field="Content-Type",
    )


class BodyTooLarge(HTTPException):
    """413: the request body is longer than the service's ``max_body_bytes``.

    An ``HTTPException``, so that raised from ``receive`` while FastAPI reads a body it
    reaches the app's problem handlers (FastAPI turns any other error there into a 400);
    it carries the named problem they answer with.
    """

    def __init__(self, limit: int) -> None:
        self.problem = _too_large(limit)
        super().__init__(413, self.problem.detail, headers=_CLOSE)


class BodyLimitMiddleware:
    """Refuses a request body over ``max_bytes`` with 413, without reading it.

    A ``Content-Length`` over the limit is refused before the app runs. Any other body is
    counted as it streams in, and the read that goes past the limit raises
    :class:`BodyTooLarge`: a chunked upload of any size is refused after ``max_bytes``.
    ``uploads`` maps the exact path of an upload endpoint (a CSV import) to its own limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: Mapping[str, int]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = dict(uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope["path"], self.max_bytes)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > limit:
            refusal = error_response(_too_large(limit), instance=scope["path"])
            await refusal(scope, receive, send)
            return
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_counted, send)


def _first_not_utf8(escaped: bytes) -> int | None:
    """The first byte of ``escaped`` (percent-escaped, ``+`` a space) that is not UTF-8
    once unescaped, else None."""
    if b"%" not in escaped and escaped.isascii():
        return None
    try:
        unquote_to_bytes(escaped.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as error:
        return int(error.object[error.start])
    return None


def foreign_url(raw_path: bytes, query: bytes) -> InvalidRequest | None:
    """The 422 for a path or query string whose percent-escapes are not UTF-8 (RFC 3986,
    section 2.5): a till that escapes a name's GBK bytes (张 as ``%D5%C5``). Left alone, they
    would read as U+FFFD, and a search for them would find nothing without saying why.
    ``None`` when both are UTF-8."""
    found: dict[str, dict[str, str]] = {}
    if (byte := _first_not_utf8(raw_path)) is not None:
        found["path"] = _not_utf8("path", byte)
    for pair in query.split(b"&") if _first_not_utf8(query) is not None else ():
        name, _, value = pair.partition(b"=")
        if (byte := _first_not_utf8(name)) is not None:
            location = "query"
        elif (byte := _first_not_utf8(value)) is not None:
            name_text = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            location = f"query.{name_text}" if name_text else "query"
        else:
            continue
        found.setdefault(location, _not_utf8(location, byte))
        if len(found) == _MOST_NAMED:
            break
    if not found:
        return None
    errors = list(found.values())
    return InvalidRequest(f"The request is invalid: {summarize(errors)}", errors=errors)


_MOST_NAMED = 10
"""Locations a refused URL's answer names at most (one per parameter): a query string of
thousands of bad pairs must not make an answer many times its size."""


def _not_utf8(location: str, byte: int) -> dict[str, str]:
    message = (
        f"is not UTF-8 once percent-decoded (byte 0x{byte:02x}): percent-encode the UTF-8 "
        "bytes of the text"
    )
    return {"location": location, "message": message, "type": "string_unicode"}


class EncodingMiddleware:
    """Refuses text the app would misread, before it runs: a JSON body whose
    ``Content-Type`` names another charset than UTF-8 (415, :func:`foreign_charset`), a
    path or query string that is not UTF-8 once percent-decoded (422, :func:`foreign_url`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            media = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
            refusal: UnsupportedMediaType | InvalidRequest | None = (
                foreign_charset(media.decode("latin-1")) if b"charset" in media.lower() else None
            )
            refusal = refusal or foreign_url(scope.get("raw_path") or b"", scope["query_string"])
            if refusal is not None:
                await error_response(refusal, instance=scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)


class CrashBarrier:
    """Answers an error no handler took with the app's handler for ``Exception``, and ends
    the request normally.

    Starlette's ``ServerErrorMiddleware`` would answer too, but it re-raises afterwards, so
    uvicorn closes a connection the client means to keep using (a client that sent its next
    request meanwhile sees a reset); and it sits outside the request context, so its answer
    had no ``X-Request-ID`` and its log no request id. An error after the answer has started
    is still raised: that connection cannot carry a whole answer any more.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            handler = scope["app"].exception_handlers.get(Exception)
            if started or handler is None:
                raise
            answer = handler(Request(scope, receive), exc)
            response: Response = await answer if inspect.isawaitable(answer) else answer
            await response(scope, receive, send)


def install_edge(
    app: FastAPI, max_body_bytes: int, uploads: Mapping[str, int] | None = None
) -> None:
    """Adds the three middleware; call it before adding ``RequestContextMiddleware``, which
    must wrap them (the middleware added last runs first). ``uploads``: see
    :class:`BodyLimitMiddleware`."""
    app.add_middleware(EncodingMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, uploads=uploads or {})
    app.add_middleware(CrashBarrier)

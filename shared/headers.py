"""Security headers on every answer, and CORS for the web frontends a brand allows.

Every answer says ``X-Content-Type-Options: nosniff`` (a browser never guesses a JSON body
is HTML), ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` (no page frames ours),
``Referrer-Policy: no-referrer`` (a URL with a member id in it stays here). An API answer
gets ``Content-Security-Policy: default-src 'none'``: nothing it carries may load or run
anything. The documentation pages (HTML: Swagger UI and ReDoc, served from the installed
package) may load from this origin only, with the inline script that starts them. An answer
that sets no ``Cache-Control`` gets ``no-store``: what a member or staff token read must not
stay in a shared cache. ``Strict-Transport-Security`` is sent when ``hsts_max_age_seconds``
is set, i.e. where TLS ends in front of the service (an ingress); over plain HTTP a browser
ignores it.

CORS is Starlette's middleware, on only for the origins ``cors_allow_origins`` names
(exact origins such as ``https://app.example.com``; none by default, so browsers refuse
cross-origin calls). Credentials (cookies) are not allowed: every call carries a bearer
token or a store key in a header.

Both are plain ASGI middleware, placed outside the request context so that a CORS
preflight answered by Starlette carries the headers too.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.idempotency.answers import REPLAY_HEADER

_API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
_PAGE_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "X-Request-ID", REPLAY_HEADER)
"""Answer headers a browser script may read across origins."""


class SecurityHeaders:
    """Adds the headers the module names to every HTTP answer."""

    def __init__(self, app: ASGIApp, hsts_max_age_seconds: int = 0) -> None:
        self.app = app
        self._hsts = (
            (b"strict-transport-security", f"max-age={hsts_max_age_seconds}".encode())
            if hsts_max_age_seconds > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._secured(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, with_headers)

    def _secured(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {name.lower(): value for name, value in headers}
        html = present.get(b"content-type", b"").startswith(b"text/html")
        added = [pair for pair in _ALWAYS if pair[0] not in present]
        if b"content-security-policy" not in present:
            added.append((b"content-security-policy", _PAGE_POLICY if html else _API_POLICY))
        if b"cache-control" not in present:
            added.append((b"cache-control", b"no-store"))
        if self._hsts is not None:
            added.append(self._hsts)
        return headers + added


def install_headers(
    app: FastAPI, *, cors_allow_origins: Sequence[str], hsts_max_age_seconds: int
) -> None:
    """Adds CORS (when any origin is allowed) and :class:`SecurityHeaders` outside every
    other middleware; call it after the others are added (the one added last runs first)."""
    if cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_allow_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-API-Key",
                "X-Request-ID",
                "Accept",
            ],
            expose_headers=list(EXPOSED_HEADERS),
            max_age=600,
        )
    app.add_middleware(SecurityHeaders, hsts_max_age_seconds=hsts_max_age_seconds)

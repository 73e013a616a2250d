"""Structured JSON logs carrying request and event ids, and Prometheus metrics."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from contextvars import ContextVar

from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.redaction import redact_contacts

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)

HTTP_REQUESTS = Histogram(
    "huiyuan_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
)
OUTBOX_PUBLISHED = Counter(
    "huiyuan_outbox_published_total", "Outbox rows published to Kafka", ["service"]
)
EVENTS_APPLIED = Counter(
    "huiyuan_events_applied_total", "Events applied by a consumer", ["service", "type"]
)
EVENTS_DUPLICATE = Counter(
    "huiyuan_events_duplicate_total", "Redelivered events skipped by the inbox", ["service"]
)
HANDLER_FAILURES = Counter(
    "huiyuan_handler_failures_total", "Consumer batches whose handler raised", ["service"]
)
BROKER_RESETS = Counter(
    "huiyuan_broker_resets_total",
    "Times the relay found the broker had lost published events and republished them",
    ["service"],
)
EVENTS_PARKED = Counter("huiyuan_events_parked_total", "Events parked as dead letters", ["service"])
STORE_KEY_FAILURES = Counter(
    "huiyuan_store_key_failures_total",
    "Store API keys refused: unknown (no such key, or a wrong secret), revoked or expired",
    ["reason"],
)
RATE_LIMITED = Counter(
    "huiyuan_rate_limited_total",
    "Requests refused with 429 by a rate limit, by the limit (e.g. store_key_address)",
    ["limit"],
)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.request_id = request_id_var.get()
        record.event_id = event_id_var.get()
        return True


class _Redacting(JsonFormatter):
    """JSON lines with any phone number or email address masked, in the message, its
    arguments and a traceback alike (an exception's text may quote what a provider said)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_contacts(super().format(record))


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    if json:
        handler.setFormatter(
            _Redacting(
                "{asctime}{levelname}{name}{message}{service}{request_id}{event_id}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(service)s %(name)s %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


class RequestContextMiddleware:
    """Gives every request an id (honouring ``X-Request-ID``) and records its latency.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` runs each request in an
    extra task with memory streams, which cost a noticeable share of a sale's CPU.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = Headers(scope=scope).get("x-request-id") or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            HTTP_REQUESTS.labels(
                self.service, scope["method"], getattr(route, "path", "unmatched"), str(status)
            ).observe(time.perf_counter() - started)
            request_id_var.reset(token)

"""Structured JSON logs carrying request and event ids, and Prometheus metrics."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import Response

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


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.request_id = request_id_var.get()
        record.event_id = event_id_var.get()
        return True


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    if json:
        handler.setFormatter(
            JsonFormatter(
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


def request_context_middleware(
    service: str,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Gives every request an id (honouring ``X-Request-ID``) and records its latency."""

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            route = request.scope.get("route")
            HTTP_REQUESTS.labels(
                service,
                request.method,
                getattr(route, "path", "unmatched"),
                str(status),
            ).observe(time.perf_counter() - started)
            request_id_var.reset(token)

    return middleware

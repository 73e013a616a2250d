"""Builds a service's FastAPI app and runs its background work in the lifespan.

Each service has one composition root, ``main.spec(settings)``, describing it as a
:class:`ServiceSpec`: routers, its outbox, inbox and idempotency tables, ``HANDLERS``
(from which its subscriptions follow), workers and, for orders, its store directory. The
app (``create_app(settings) = build_app(spec(settings))``), the ``huiyuan`` command and the
tests all start from it. The app's lifespan creates the engine, the publisher, the outbox
relay, the consumer and the workers, and stops them cleanly. Nothing does I/O at import
time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit.api import audit_router
from shared.audit.log import AuditLog
from shared.auth import BearerFailures, StoreDirectory
from shared.background import cancel_and_wait, raise_if_cancelling
from shared.consumer import EventConsumer
from shared.crypto import PiiCipher
from shared.db import Sessions, asyncpg_dsn, create_engine, create_sessions, transaction
from shared.edge import install_edge
from shared.errors import install_problem_handlers
from shared.events.registry import TOPICS
from shared.headers import install_headers
from shared.idempotency import IdempotencyKeys
from shared.inbox import (
    BatchStart,
    BoundHandler,
    Handler,
    HandlerContext,
    Inbox,
    bind,
    subscriptions,
)
from shared.inputs import configure_inputs
from shared.jobs import in_batches
from shared.jwks import PublicKeys, TokenSigner
from shared.kafka import GroupTimings, Publisher, ensure_topics
from shared.notify import Wakeups
from shared.observability import RequestContextMiddleware, configure_logging
from shared.openapi import document_problems
from shared.operations import operations_router
from shared.outbox import Outbox, OutboxRelay
from shared.settings import BaseServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a running service holds; routes reach it as ``request.app.state.runtime``."""

    settings: BaseServiceSettings
    engine: AsyncEngine
    sessions: Sessions
    publisher: Publisher
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    resources: dict[str, object] = field(default_factory=dict)
    """What the spec's ``resources`` opened, by name, until the app stops."""
    consumer: EventConsumer | None = None
    """The consumer of the service's subscriptions, if it has handlers."""
    stopping: bool = False

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Runs ``work`` in the background until the service stops. If it ends before
        that, by an error or not, that is logged at once and :meth:`ended` names it, so
        that ``/healthz`` fails and the process is restarted: a service that lost its
        relay, consumer or a worker must not go on looking alive."""
        task = asyncio.create_task(work, name=name)
        task.add_done_callback(self._log_end)
        self.tasks.append(task)

    def ended(self) -> list[str]:
        """The background tasks that ended while the service was running."""
        return [] if self.stopping else [task.get_name() for task in self.tasks if task.done()]

    def _log_end(self, task: asyncio.Task[None]) -> None:
        if self.stopping:
            return
        error = None if task.cancelled() else task.exception()
        how = "was cancelled" if task.cancelled() else f"failed: {error!r}" if error else "returned"
        log.critical(
            "%s %s while the service runs; /healthz fails until it is restarted",
            task.get_name(),
            how,
            exc_info=error,
        )


Worker = Callable[[Runtime], Coroutine[Any, Any, None]]
Resource = Callable[[BaseServiceSettings], contextlib.AbstractAsyncContextManager[object]]
"""Opens something the app keeps for its lifetime (a client with its connection pool)
from the settings; leaving the context closes it at shutdown."""


@dataclass(frozen=True)
class ServiceSpec:
    """Everything a service is made of; its ``main.spec(settings)`` builds one."""

    name: str
    title: str
    description: str
    settings: BaseServiceSettings
    outbox: Outbox
    routers: Sequence[APIRouter]
    inbox: Inbox | None = None
    idempotency: IdempotencyKeys | None = None
    handlers: Mapping[str, Handler[HandlerContext[Any]]] = field(default_factory=dict)
    """``consumers.HANDLERS``: the one declaration of what the service consumes."""
    batch_start: BatchStart | None = None
    """Run once per batch of events before its handlers (see :data:`shared.inbox.BatchStart`)."""
    workers: Sequence[Worker] = ()
    resources: Mapping[str, Resource] = field(default_factory=dict)
    """Opened at start, before any request, into ``Runtime.resources``; closed at
    shutdown, after the background work stopped."""
    stores: StoreDirectory | None = None
    audit: AuditLog | None = None
    """The service's ``audit_log``: staff changes and unmasked reads are recorded in it,
    ``GET /audit`` answers it and rows older than ``audit_retention_days`` are purged."""
    uploads: Mapping[str, int] = field(default_factory=dict)
    """Upload paths with a body limit of their own (:class:`shared.edge.BodyLimitMiddleware`)."""
    openapi_tags: Sequence[dict[str, Any]] = ()
    signer: TokenSigner | None = None
    """An issuer's key ring: it signs tokens and publishes ``/.well-known/jwks.json``."""

    @cached_property
    def context(self) -> HandlerContext[Any]:
        """What handlers get besides the session and the event."""
        return HandlerContext(self.settings, PiiCipher(self.settings.pii_key.get_secret_value()))

    @cached_property
    def bound_handlers(self) -> dict[str, BoundHandler]:
        return bind(self.handlers, self.context)

    @property
    def subscriptions(self) -> tuple[str, ...]:
        """The topics of the event types in ``handlers``."""
        return subscriptions(self.handlers)


async def _wait_for_broker(bootstrap: str, partitions: int, deadline_seconds: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_seconds
    while True:
        try:
            await ensure_topics(bootstrap, TOPICS, partitions)
            return
        except Exception as exc:
            raise_if_cancelling()
            if loop.time() > deadline:
                raise
            log.warning("broker not ready (%s); retrying", exc)
            await asyncio.sleep(0.5)


async def _purge_expired_keys(keys: IdempotencyKeys, sessions: Sessions) -> None:
    while True:
        try:
            async with transaction(sessions) as session:
                purged = await keys.purge_expired(session)
            if purged:
                log.info("purged %d expired idempotency keys", purged)
        except Exception:
            raise_if_cancelling()
            log.exception("could not purge expired idempotency keys")
        await asyncio.sleep(600)


_AUDIT_PURGE_BATCH = 5000


async def _purge_old_audit_rows(audit: AuditLog, sessions: Sessions, retention: timedelta) -> None:
    """Every hour, deletes audit rows older than ``retention``, a batch a transaction."""
    while True:
        try:
            older_than = datetime.now(UTC) - retention
            purged = await in_batches(
                sessions,
                partial(audit.purge, older_than=older_than, batch=_AUDIT_PURGE_BATCH),
                _AUDIT_PURGE_BATCH,
            )
            if purged:
                log.info("purged %d audit rows older than %s", purged, older_than)
        except Exception:
            raise_if_cancelling()
            log.exception("could not purge old audit rows")
        await asyncio.sleep(3600)


def _lifespan(
    spec: ServiceSpec,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = spec.settings
        engine = create_engine(settings)
        sessions = create_sessions(engine)
        await _wait_for_broker(settings.kafka_bootstrap_servers, settings.topic_partitions)
        publisher = Publisher(settings.kafka_bootstrap_servers)
        await publisher.start()
        runtime = Runtime(settings, engine, sessions, publisher)
        resources = contextlib.AsyncExitStack()
        for name, open_resource in spec.resources.items():
            runtime.resources[name] = await resources.enter_async_context(open_resource(settings))
        app.state.runtime = runtime
        wakeups = Wakeups(asyncpg_dsn(settings.database_url), spec.outbox.channel)
        relay = OutboxRelay(
            outbox=spec.outbox,
            sessions=sessions,
            publisher=publisher,
            wakeups=wakeups,
            batch_size=settings.outbox_batch_size,
            retention=timedelta(hours=settings.outbox_retention_hours),
            recreate_topics=lambda: ensure_topics(
                settings.kafka_bootstrap_servers, TOPICS, settings.topic_partitions
            ),
        )
        runtime.start(relay.run(), f"{spec.name}-relay")
        if spec.handlers:
            if spec.inbox is None:
                raise ValueError(f"{spec.name} has handlers but no inbox")
            consumer = EventConsumer(
                service=spec.name,
                group_id=settings.consumer_group_id or None,
                sessions=sessions,
                inbox=spec.inbox,
                handlers=spec.bound_handlers,
                topics=spec.subscriptions,
                batch_start=spec.batch_start,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                batch_size=settings.consumer_batch_size,
                max_attempts=settings.consumer_max_attempts,
                retry_backoff_seconds=settings.consumer_retry_backoff_seconds,
                await_event_seconds=settings.consumer_await_event_seconds,
                defer_after_seconds=settings.consumer_defer_after_seconds,
                timings=GroupTimings(
                    settings.consumer_session_timeout_ms,
                    settings.consumer_heartbeat_interval_ms,
                    settings.consumer_rebalance_timeout_ms,
                    settings.consumer_fetch_max_wait_ms,
                    settings.consumer_fetch_min_bytes,
                ),
            )
            runtime.consumer = consumer
            runtime.start(consumer.run(), f"{spec.name}-consumer")
        if spec.idempotency is not None:
            runtime.start(_purge_expired_keys(spec.idempotency, sessions), f"{spec.name}-keys")
        if spec.audit is not None:
            retention = timedelta(days=settings.audit_retention_days)
            runtime.start(
                _purge_old_audit_rows(spec.audit, sessions, retention), f"{spec.name}-audit"
            )
        for worker in spec.workers:
            where = worker.__module__.removeprefix(f"services.{spec.name}.")
            runtime.start(worker(runtime), f"{spec.name}-{where}.{worker.__name__}-worker")
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            runtime.stopping = True
            await cancel_and_wait(runtime.tasks)
            await resources.aclose()
            await wakeups.close()
            await publisher.stop()
            await engine.dispose()
            log.info("%s stopped", spec.name)

    return lifespan


def build_app(spec: ServiceSpec) -> FastAPI:
    configure_inputs(spec.settings)
    if spec.settings.environment != "test":  # under pytest, leave its log capture alone
        configure_logging(spec.name, spec.settings.log_level, spec.settings.log_json)
    # /docs and /redoc load Swagger UI and ReDoc from the installed package, not from a CDN
    app = FastAPIOffline(
        title=spec.title,
        description=spec.description,
        version="0.1.0",
        lifespan=_lifespan(spec),
        openapi_tags=list(spec.openapi_tags) or None,
        swagger_ui_parameters={"validatorUrl": None},  # no online validator either
    )
    app.state.spec = spec
    app.state.settings = spec.settings
    app.state.cipher = spec.context.cipher
    app.state.public_keys = PublicKeys.of(spec.settings)
    app.state.bearer_failures = BearerFailures(spec.settings.bearer_failures_per_address)
    app.state.signer = spec.signer
    install_edge(app, spec.settings.max_body_bytes, spec.uploads)  # inside the request context
    app.add_middleware(RequestContextMiddleware, service=spec.name)
    install_headers(
        app,
        cors_allow_origins=spec.settings.cors_allow_origins,
        hsts_max_age_seconds=spec.settings.hsts_max_age_seconds,
    )
    install_problem_handlers(app)
    document_problems(app)
    app.include_router(operations_router(spec.name, spec.signer))
    for router in spec.routers:
        app.include_router(router)
    if spec.audit is not None:
        app.include_router(audit_router(spec.audit))
    return app

"""The operations endpoints every service has: liveness, readiness, metrics, and the
public keys of a service that signs tokens."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from shared.errors import problem_response
from shared.jwks import TokenSigner

if TYPE_CHECKING:
    from shared.service_app import Runtime

log = logging.getLogger(__name__)


def operations_router(service: str, signer: TokenSigner | None) -> APIRouter:
    """``/healthz``, ``/readyz``, ``/metrics`` and, for a service that signs tokens with
    ``signer``, its public keys."""
    router = APIRouter(tags=["operations"])

    @router.get(
        "/healthz",
        summary="Liveness: the process is up and its background work runs",
        description=(
            "503 once the outbox relay, the event consumer or a worker of the service ended "
            "while it runs (each is logged as it ends): restart the process."
        ),
        responses={
            200: {
                "content": {"application/json": {"example": {"status": "ok", "service": service}}}
            },
            503: {
                "description": "Background work of the service ended",
                "content": {
                    "application/problem+json": {
                        "example": {
                            "type": "about:blank",
                            "title": "Service Unavailable",
                            "status": 503,
                            "detail": "Not live: messaging-delivery.jobs.dispatcher-worker ended",
                            "ended": ["messaging-delivery.jobs.dispatcher-worker"],
                        }
                    }
                },
            },
        },
    )
    async def healthz(request: Request) -> Response:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        ended = [] if runtime is None else runtime.ended()
        if ended:
            return problem_response(503, f"Not live: {', '.join(ended)} ended", ended=ended)
        return JSONResponse({"status": "ok", "service": service})

    @router.get(
        "/readyz",
        summary="Readiness: the database and the broker answer",
        responses={
            200: {
                "description": "Both answer",
                "content": {
                    "application/json": {
                        "example": {
                            "status": "ready",
                            "service": service,
                            "checks": {"database": True, "broker": True},
                        }
                    }
                },
            },
            503: {"description": "A dependency is unreachable"},
        },
    )
    async def readyz(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        checks = {"database": False, "broker": False}
        try:
            async with runtime.engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), 2)
            checks["database"] = True
        except Exception as exc:
            log.warning("readiness: database unreachable: %s", exc)
        checks["broker"] = await runtime.publisher.reachable()
        if all(checks.values()):
            return JSONResponse({"status": "ready", "service": service, "checks": checks})
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        return problem_response(503, f"Not ready: {failing} unreachable", checks=checks)

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={
            200: {
                "description": "The Prometheus text exposition format",
                "content": {
                    CONTENT_TYPE_LATEST: {
                        "example": 'huiyuan_broker_resets_total{service="orders"} 0.0\n'
                    }
                },
            }
        },
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    if signer is not None:
        ring = signer.ring

        @router.get(
            "/.well-known/jwks.json",
            summary="The public keys this service signs tokens with (JWKS, RFC 7517)",
            description=(
                "Every service verifies tokens with these keys; a key stays here a day after "
                "a newer one starts signing, so the tokens it signed expire first."
            ),
            responses={200: {"content": {"application/json": {"example": _JWKS_EXAMPLE}}}},
        )
        async def jwks() -> JSONResponse:
            return JSONResponse(ring.jwks(), headers={"Cache-Control": "public, max-age=300"})

    return router


_JWKS_EXAMPLE = {
    "issuer": "huiyuan",
    "keys": [
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "kid": "20261201-3f9a0c1d2e4b",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "alg": "EdDSA",
        }
    ],
}

"""Security headers and CORS at the HTTP edge, against a real uvicorn on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from shared.settings import BaseServiceSettings
from tests.server import serving
from tests.stack import Stack

FRONTEND = "https://app.example.com"


@pytest.fixture(scope="module")
async def server(stack: Stack) -> AsyncIterator[str]:
    app = stack.app("customer", cors_allow_origins=[FRONTEND], hsts_max_age_seconds=600)
    async with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
async def plain(stack: Stack) -> AsyncIterator[str]:
    async with serving(stack.app("customer")) as url:
        yield url


async def test_an_api_answer_forbids_sniffing_framing_loading_and_caching(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        answer = await client.get("/members/not-a-uuid")  # a problem answer is secured too
    assert answer.status_code in (401, 422)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["strict-transport-security"] == "max-age=600"


async def test_the_docs_page_may_run_its_own_scripts_only(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        page = await client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


async def test_an_allowed_origin_passes_the_preflight_and_reads_the_answer(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        preflight = await client.options(
            "/members",
            headers={
                "Origin": FRONTEND,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        answer = await client.get("/healthz", headers={"Origin": FRONTEND})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers
    assert preflight.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["access-control-allow-origin"] == FRONTEND
    assert "ETag" in answer.headers["access-control-expose-headers"]


async def test_another_origin_is_refused(server: str, plain: str) -> None:
    async with httpx.AsyncClient() as client:
        refused = await client.options(
            f"{server}/members",
            headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"},
        )
        by_default = await client.get(f"{plain}/health/live", headers={"Origin": FRONTEND})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in by_default.headers
    assert "strict-transport-security" not in by_default.headers
    assert by_default.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "origin", ["https://app.example.com/", "app.example.com", "https://app.example.com/shop"]
)
def test_an_origin_with_a_path_or_without_a_scheme_is_refused_at_start(origin: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        BaseServiceSettings(cors_allow_origins=[origin])

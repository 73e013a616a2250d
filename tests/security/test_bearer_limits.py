"""Wrong bearer tokens per client address: past ``bearer_failures_per_address`` an address's
tokens are refused 429 before any verification, with a metric and one warning a minute; a
token verified before still works, and other addresses are not affected."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from shared.errors import PROBLEM_JSON
from tests.stack import Stack, staff_headers

WRONG = {"Authorization": "Bearer not-a-token"}


@asynccontextmanager
async def _from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _limited() -> float:
    return (
        REGISTRY.get_sample_value("huiyuan_rate_limited_total", {"limit": "bearer_address"}) or 0.0
    )


async def test_wrong_tokens_past_the_limit_are_refused_before_verification(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    app = stack.app("analytics", bearer_failures_per_address="3/minute")
    async with app.router.lifespan_context(app), _from(app, "203.0.113.7") as client:
        verified = staff_headers("analyst")
        assert (await client.get("/kpis", headers=verified)).status_code != 401
        for _ in range(3):
            assert (await client.get("/kpis", headers=WRONG)).status_code == 401
        before = _limited()
        caplog.set_level(logging.WARNING, logger="shared.auth")

        refused = await client.get("/kpis", headers=WRONG)
        fresh = await client.get("/kpis", headers=staff_headers("marketing"))  # never verified

        for answer in (refused, fresh):
            assert answer.status_code == 429, answer.text
            assert answer.headers["content-type"].startswith(PROBLEM_JSON)
            assert answer.json()["type"] == "urn:huiyuan:problem:too-many-invalid-tokens"
            assert answer.json()["errors"][0]["location"] == "header.Authorization"
            assert 1 <= int(answer.headers["Retry-After"]) <= 60
        assert _limited() == before + 2
        warnings = [r for r in caplog.records if r.message == "bearer token attempts limited"]
        assert len(warnings) == 1
        assert "not-a-token" not in caplog.text
        # a token this process verified before is remembered: no verification to spare
        assert (await client.get("/kpis", headers=verified)).status_code != 429
        async with _from(app, "198.51.100.9") as elsewhere:
            other = await elsewhere.get("/kpis", headers=WRONG)
            assert other.status_code == 401, other.text

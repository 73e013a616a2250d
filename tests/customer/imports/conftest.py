"""Fixtures of the import tests: a customer app whose import worker polls often."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.stack import Stack, eventually, running, staff_headers

SERVICE = staff_headers("service")
CSV = {"Content-Type": "text/csv"}
POLL = 0.05


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("customer", import_poll_seconds=POLL)) as client:
        yield client


async def upload(client: httpx.AsyncClient, body: bytes, **params: Any) -> httpx.Response:
    return await client.post("/imports", content=body, params=params, headers=SERVICE | CSV)


async def finished(client: httpx.AsyncClient, import_id: str) -> dict[str, Any]:
    """The import once ``done``."""

    async def done() -> dict[str, Any] | None:
        job: dict[str, Any] = (await client.get(f"/imports/{import_id}", headers=SERVICE)).json()
        return job if job["status"] == "done" else None

    job: dict[str, Any] = await eventually(done)
    return job


async def imported(client: httpx.AsyncClient, body: bytes, **params: Any) -> dict[str, Any]:
    response = await upload(client, body, **params)
    assert response.status_code == 202, response.text
    return await finished(client, response.json()["id"])

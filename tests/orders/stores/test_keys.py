"""Store keys over the real app: rotation with an overlap, revocation at once (and within
the cache time on another process), expiry, last use, and the limit on wrong keys."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from services.orders.stores.errors import TooManyKeyFailures
from tests.orders.conftest import is_problem
from tests.stack import Stack, staff_headers

ADMIN = staff_headers()


@asynccontextmanager
async def from_address(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app, running, called from ``address``."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def _store(client: httpx.AsyncClient) -> dict[str, Any]:
    created = await client.post("/stores", json={"name": "钥匙店"}, headers=ADMIN)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _works(client: httpx.AsyncClient, api_key: str) -> int:
    """The status of a store request with ``api_key`` (200 if the key works)."""
    return (await client.get("/purchases?limit=1", headers={"X-API-Key": api_key})).status_code


async def _keys(client: httpx.AsyncClient, store_id: str) -> dict[str, dict[str, Any]]:
    listed = await client.get(f"/stores/{store_id}/keys", headers=ADMIN)
    assert listed.status_code == 200, listed.text
    assert "api_key" not in listed.text
    assert "hash" not in listed.text
    return {key["id"]: key for key in listed.json()["items"]}


async def test_a_rotation_keeps_the_old_key_working_for_the_overlap_then_not(
    client: httpx.AsyncClient,
) -> None:
    store = await _store(client)
    old = store["api_key"]
    assert await _works(client, old) == 200

    rotated = await client.post(
        f"/stores/{store['id']}/keys", json={"overlap_hours": 2}, headers=ADMIN
    )

    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["api_key"].startswith(f"hy_{new['id']}_")
    assert new["state"] == "active"
    assert (await _works(client, old), await _works(client, new["api_key"])) == (200, 200)
    keys = await _keys(client, store["id"])
    ends = datetime.fromisoformat(keys[store["key_id"]]["expires_at"])
    assert timedelta(hours=1, minutes=59) < ends - datetime.now(UTC) <= timedelta(hours=2)
    assert keys[new["id"]]["expires_at"] is None
    # a rotation with no overlap ends the other keys now, on this process at once
    last = await client.post(
        f"/stores/{store['id']}/keys", json={"overlap_hours": 0}, headers=ADMIN
    )
    assert last.status_code == 201, last.text
    assert await _works(client, new["api_key"]) == 401
    assert await _works(client, old) == 401
    assert await _works(client, last.json()["api_key"]) == 200
    states = {k: v["state"] for k, v in (await _keys(client, store["id"])).items()}
    assert states == {store["key_id"]: "expired", new["id"]: "expired", last.json()["id"]: "active"}


async def test_a_revoked_key_stops_at_once_here_and_within_the_cache_time_elsewhere(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    store = await _store(client)
    key = store["api_key"]
    async with from_address(stack.app("orders", store_key_cache_seconds=1), "10.0.0.2") as other:
        assert (await _works(client, key), await _works(other, key)) == (200, 200)

        revoked = await client.post(
            f"/stores/{store['id']}/keys/{store['key_id']}/revoke", headers=ADMIN
        )

        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "revoked"
        assert await _works(client, key) == 401  # this process: at once
        await asyncio.sleep(1.1)  # the other's store_key_cache_seconds
        assert await _works(other, key) == 401
    again = await client.post(f"/stores/{store['id']}/keys/{store['key_id']}/revoke", headers=ADMIN)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_a_key_stops_at_its_expiry(client: httpx.AsyncClient) -> None:
    store = await _store(client)
    expires = datetime.now(UTC) + timedelta(seconds=3)
    rotated = await client.post(
        f"/stores/{store['id']}/keys",
        json={"expires_at": expires.isoformat(), "overlap_hours": 0},
        headers=ADMIN,
    )
    assert rotated.status_code == 201, rotated.text
    key = rotated.json()["api_key"]
    assert await _works(client, key) == 200

    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)

    answer = await client.get("/purchases", headers={"X-API-Key": key})
    is_problem(answer, 401)
    assert (await _keys(client, store["id"]))[rotated.json()["id"]]["state"] == "expired"


async def test_last_used_moves_at_most_once_per_cache_time(stack: Stack) -> None:
    cache = 3  # seconds: long enough for the second request to come within it on a slow day
    app = stack.app("orders", store_key_cache_seconds=cache)
    async with from_address(app, "10.0.0.3") as till:
        store = await _store(till)
        assert (await _keys(till, store["id"]))[store["key_id"]]["last_used_at"] is None

        assert await _works(till, store["api_key"]) == 200
        remembered_until = time.monotonic() + cache
        first = (await _keys(till, store["id"]))[store["key_id"]]["last_used_at"]
        assert first is not None
        assert await _works(till, store["api_key"]) == 200  # remembered: no write
        again = (await _keys(till, store["id"]))[store["key_id"]]["last_used_at"]
        assert time.monotonic() < remembered_until, "too slow to tell"
        assert again == first
        await asyncio.sleep(cache + 0.1)
        assert await _works(till, store["api_key"]) == 200

        later = (await _keys(till, store["id"]))[store["key_id"]]["last_used_at"]
    moved = datetime.fromisoformat(later) - datetime.fromisoformat(first)
    assert moved >= timedelta(seconds=cache)


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_2000_wrong_keys_are_429s_and_the_right_key_still_works_elsewhere(
    stack: Stack, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    store = await _store(client)
    limited = _count("huiyuan_rate_limited_total", limit="store_key_address")
    app = stack.app("orders", store_key_failures_per_address="20/minute")
    statuses: list[int] = []
    with caplog.at_level(logging.INFO, logger="services.orders.stores.keys"):
        async with from_address(app, "203.0.113.7") as attacker:
            for n in range(2000):
                wrong = {"X-API-Key": f"hy_{uuid.uuid4().hex[:16]}_{n:043d}"}
                statuses.append((await attacker.get("/purchases", headers=wrong)).status_code)
            refused = await attacker.get("/purchases", headers={"X-API-Key": "hy_nope"})
        async with from_address(app, "198.51.100.4") as till:
            assert await _works(till, store["api_key"]) == 200

    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    problem = is_problem(refused, 429)
    assert problem["type"] == TooManyKeyFailures("").problem_type
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _count("huiyuan_rate_limited_total", limit="store_key_address") - limited == 1981
    warnings = [r for r in caplog.records if r.getMessage() == "store key attempts limited"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert warnings[0].__dict__["identifier"] == "203.0.113.7"
    assert "hy_" not in caplog.text  # key ids are logged, never a key


async def test_wrong_keys_naming_a_store_are_429s_from_any_address_but_its_key_works(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    store = await _store(client)
    app = stack.app("orders", store_key_failures_per_store="5/minute")
    claimed = f"hy_{store['key_id']}_"
    statuses = []
    async with app.router.lifespan_context(app):
        for n in range(8):  # each from an address of its own
            transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{n}", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as one:
                wrong = {"X-API-Key": claimed + f"{n:043d}"}
                statuses.append((await one.get("/purchases", headers=wrong)).status_code)
        transport = httpx.ASGITransport(app=app, client=("192.0.2.200", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as till:
            assert await _works(till, store["api_key"]) == 200

    assert statuses == [401] * 5 + [429] * 3


@pytest.mark.parametrize(
    ("path", "body", "status", "location"),
    [
        ("/stores/{store}/keys", {"overlap_hours": -1}, 422, "body.overlap_hours"),
        ("/stores/{store}/keys", {"overlap_hours": 721}, 422, "body.overlap_hours"),
        ("/stores/{store}/keys", {"expires_at": "2020-01-01T00:00:00Z"}, 422, "body.expires_at"),
        ("/stores/{store}/keys", {"expires_at": "2030-01-01T00:00:00"}, 422, "body.expires_at"),
        ("/stores/{store}/keys", {"api_key": "mine"}, 422, "body.api_key"),
        ("/stores/0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11/keys", {}, 404, "path.store_id"),
        (f"/stores/{{store}}/keys/{'0' * 16}/revoke", None, 404, "path.key_id"),
        ("/stores/{store}/keys/NOT-A-KEY/revoke", None, 422, "path.key_id"),
    ],
)
async def test_bad_key_requests_are_4xx_naming_the_field(
    client: httpx.AsyncClient, path: str, body: Any, status: int, location: str
) -> None:
    store = await _store(client)
    before = await _keys(client, store["id"])

    answer = await client.post(path.format(store=store["id"]), json=body, headers=ADMIN)

    problem = is_problem(answer, status)
    assert problem["errors"][0]["location"] == location
    assert await _keys(client, store["id"]) == before


async def test_only_admins_manage_keys(client: httpx.AsyncClient) -> None:
    store = await _store(client)
    marketing = staff_headers("marketing")
    for answer in (
        await client.get(f"/stores/{store['id']}/keys", headers=marketing),
        await client.post(f"/stores/{store['id']}/keys", json={}, headers=marketing),
        await client.post(
            f"/stores/{store['id']}/keys/{store['key_id']}/revoke", headers=marketing
        ),
        await client.get(f"/stores/{store['id']}/keys", headers={"X-API-Key": store["api_key"]}),
    ):
        assert answer.status_code in (401, 403), answer.text
    assert await _works(client, store["api_key"]) == 200

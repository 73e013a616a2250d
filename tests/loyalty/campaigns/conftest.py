"""Campaigns made through the API, in years of their own, at stores of their own."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.loyalty.conftest import key
from tests.stack import staff_headers

MARKETING = staff_headers("marketing")


async def put_rules_from(client: httpx.AsyncClient, start: datetime) -> None:
    """One point per yuan, ×1 at the standard tier, for the sales of this test's year.

    Every test that sells in a future year puts them from its start: the rules in force
    then are otherwise whichever version this worker's earlier tests scheduled last (a cap
    per member and day, two points per yuan), so its figures and statement counts would
    depend on which tests ran before it."""
    body = {"effective_from": start.isoformat(), "points_per_yuan": 1}
    response = await client.put("/program/earning-rules", json=body, headers=MARKETING)
    assert response.status_code == 200, response.text


async def new_campaign(
    client: httpx.AsyncClient, start: datetime, store: uuid.UUID, **terms: Any
) -> dict[str, Any]:
    """A ten-day campaign from ``start`` at ``store`` only (no other test's sale is in it)."""
    body = {
        "name": "十周年回馈嘉年华",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=10)).isoformat(),
        "scope": {"stores": [str(store)]},
        **terms,
    }
    response = await client.post("/campaigns", json=body, headers={**MARKETING, **key()})
    assert response.status_code == 201, response.text
    return dict(response.json())

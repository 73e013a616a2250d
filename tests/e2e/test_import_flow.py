"""Imported members reach the other services as registrations do: a small CSV imported at
customer, and each of its members is in orders' directory (a till can name them by card)
and has a loyalty account."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select

from services.orders.directory.models import Member as DirectoryEntry
from shared.db import Sessions
from tests.customer.imports.conftest import finished
from tests.e2e.conftest import System
from tests.stack import eventually, staff_headers

STAFF = staff_headers("service")


async def test_imported_members_reach_orders_and_loyalty(
    system: System, orders_sessions: Sessions
) -> None:
    phones = [f"137{uuid.uuid4().int % 10**8:08d}" for _ in range(3)]
    body = "name,phone\r\n" + "".join(f"会员{i},{p}\r\n" for i, p in enumerate(phones))
    customer = system["customer"]
    headers = STAFF | {"Content-Type": "text/csv"}
    started = await customer.post("/imports", content=body.encode(), headers=headers)
    assert started.status_code == 202, started.text
    assert (await finished(customer, started.json()["id"]))["imported"] == 3
    members: list[dict[str, Any]] = []
    for phone in phones:
        found = await customer.get("/members", params={"phone": phone}, headers=STAFF)
        members += found.json()["items"]
    assert len(members) == 3

    async def in_directory() -> bool:
        ids = [uuid.UUID(m["id"]) for m in members]
        async with orders_sessions() as session:
            rows = await session.scalars(
                select(DirectoryEntry.card_number).where(col(DirectoryEntry.member_id).in_(ids))
            )
            return sorted(rows) == sorted(m["card_number"] for m in members)

    async def accounts() -> bool:
        for member in members:
            answer = await system["loyalty"].get(f"/members/{member['id']}/loyalty", headers=STAFF)
            if answer.status_code != 200:
                return False
        return True

    assert await eventually(in_directory, timeout=30)
    assert await eventually(accounts, timeout=30)

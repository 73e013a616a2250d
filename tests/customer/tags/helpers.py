"""What the tags and categories tests share: members, problems, events and rows."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from services.customer.base import outbox
from services.customer.categories.models import MemberCategory
from services.customer.tags.models import MemberTag
from shared.db import Sessions
from shared.errors import PROBLEM_JSON
from tests.customer.conftest import new_phone
from tests.stack import staff_headers

STAFF = staff_headers("marketing")


def unique(prefix: str) -> str:
    """A name no other test uses (tests share one database)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def members(client: httpx.AsyncClient, count: int, name: str = "李雷") -> list[str]:
    ids = []
    for _ in range(count):
        answer = await client.post(
            "/members", json={"name": name, "phone": new_phone()}, headers=STAFF
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def problem(response: httpx.Response, status: int, slug: str, location: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"] == f"urn:huiyuan:problem:{slug}"
    assert body["errors"][0]["location"] == location, body


async def updates(sessions: Sessions, member_id: str) -> list[dict[str, Any]]:
    """The ``customer.member.updated`` events of a member, in order."""
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == member_id, table.c.event_type == "customer.member.updated")
            .order_by(table.c.seq)
        )
        return [envelope["data"] for envelope in rows]


async def rows(sessions: Sessions) -> tuple[int, int, int]:
    """Rows of member_tags, member_categories and the outbox."""
    async with sessions() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (MemberTag, MemberCategory, outbox.table)
        ]
    return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0))

"""Helpers of the custom field tests: fields with keys no other test uses, members, and
the problems and events they leave."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from services.customer.base import outbox
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.stack import staff_headers

ADMIN = staff_headers("admin")
MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")
LABELS = {"zh-CN": "肤质", "en": "Skin type"}


def new_key(stem: str) -> str:
    """A field key no test has used yet (``stem_`` and 8 hex digits)."""
    return f"{stem}_{uuid.uuid4().hex[:8]}"


def choice(code: str) -> dict[str, Any]:
    return {"code": code, "labels": {"zh-CN": code, "en": code}}


async def define(customer: httpx.AsyncClient, stem: str, **rules: Any) -> str:
    """Defines a field (a searchable text field unless ``rules`` say otherwise); its key."""
    key = new_key(stem)
    body = {"key": key, "labels": LABELS, "type": "text", "searchable": True} | rules
    created = await customer.post("/custom-fields", json=body, headers=MARKETING)
    assert created.status_code == 201, created.text
    return key


async def register(customer: httpx.AsyncClient, name: str = "李雷", **extra: Any) -> uuid.UUID:
    body = {"name": name, "phone": new_phone()} | extra
    created = await customer.post("/members", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"])


def problem(response: httpx.Response, status: int, location: str | None) -> dict[str, Any]:
    """The problem+json answer, checked to have ``status`` and to name ``location`` first
    (``None``: no location)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    named = [error["location"] for error in body.get("errors", [])][:1]
    assert named == ([location] if location else []), body
    return body


async def updates(sessions: Sessions, member_id: uuid.UUID) -> list[dict[str, Any]]:
    """The ``customer.member.updated`` payloads of ``member_id`` in the outbox, in order."""
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope)
            .where(table.c.key == str(member_id))
            .where(table.c.event_type == "customer.member.updated")
            .order_by(table.c.seq)
        )
        return [envelope["data"] for envelope in rows]

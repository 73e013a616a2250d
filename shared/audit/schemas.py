"""What ``GET /audit`` answers: one service's audit rows, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

_ENTRY: dict[str, JsonValue] = {
    "id": 1042,
    "at": "2026-11-30T08:15:02.114+00:00",
    "kind": "change",
    "actor": "li.lei@example.com",
    "actor_role": "service",
    "operation": "lock_card_members__member_id__card_lock_post",
    "method": "POST",
    "route": "/members/{member_id}/card/lock",
    "targets": {"member_id": "7d1c0a52-9f3e-4c1b-8a55-2b7e0f3c9d41"},
    "member_id": "7d1c0a52-9f3e-4c1b-8a55-2b7e0f3c9d41",
    "fields": ["reason"],
    "client": "10.0.4.17",
    "request_id": "0f8e5c2ab7d34f0c9a61d2e4b8c7a5f3",
    "status": 200,
}
CSV_COLUMNS = tuple(_ENTRY)


class AuditEntry(BaseModel):
    """One recorded staff change or unmasked read; never a value, only names and ids."""

    id: int = Field(description="Increasing in the order rows were written, per service")
    at: datetime = Field(description="When, UTC (the recording transaction's start)")
    kind: Literal["change", "read"] = Field(
        description="`change`: a staff request that changed data; `read`: personal data "
        "answered in clear"
    )
    actor: str = Field(description="The staff token's subject (a login)")
    actor_role: str | None = Field(description="The token's role")
    operation: str = Field(
        description="A change's OpenAPI operation id, or what a read answered in clear "
        "(`member.contact`, `ticket.texts`)"
    )
    method: str
    route: str = Field(description="The route's template, e.g. `/members/{member_id}`")
    targets: dict[str, str] = Field(description="The path's parameters: the ids acted on")
    member_id: uuid.UUID | None = Field(description="The member concerned, where known")
    fields: list[str] | None = Field(
        description="A change's JSON body's top-level field names (no values)"
    )
    client: str | None = Field(description="The client's address (see `TRUSTED_PROXIES`)")
    request_id: str | None = Field(description="`X-Request-ID` of the request, for its logs")
    status: int | None = Field(description="The answer's status on success")


class AuditPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_ENTRY], "next_cursor": None}]}
    )

    items: list[AuditEntry]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")

"""Request and response bodies of categories. Names as tags' (1-40 characters on one
line), unique among siblings compared case-insensitively."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.customer.tags.schemas import TagName

RETAIL_ID = "2a6f1c9e-0d4b-4e7a-8c3f-5b1a2d3e4f50"
NEW_ID = "9b8e7d6c-5a4f-4e3d-9c2b-1a0f9e8d7c6b"


class CategoryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "新客户", "parent_id": RETAIL_ID}]},
    )

    name: TagName
    parent_id: uuid.UUID | None = Field(None, description="The parent; null or absent: a root")


class CategoryPatch(BaseModel):
    """A merge patch: ``name`` renames; ``parent_id`` moves (``null``: to the root);
    a field left out stays."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "老客户"}, {"parent_id": None}]},
    )

    name: TagName | None = None
    parent_id: uuid.UUID | None = None


class PathStep(BaseModel):
    id: uuid.UUID
    name: str


class CategoryRef(BaseModel):
    """A category as a member's profile shows it: ``path`` from the root to it."""

    id: uuid.UUID
    name: str
    path: list[PathStep] = Field(description="From the root down to this category, included")


_NEW: dict[str, JsonValue] = {
    "id": NEW_ID,
    "name": "新客户",
    "parent_id": RETAIL_ID,
    "path": [{"id": RETAIL_ID, "name": "零售客户"}, {"id": NEW_ID, "name": "新客户"}],
    "created_at": "2026-11-30T04:00:00Z",
    "updated_at": "2026-11-30T04:00:00Z",
}


class CategoryOut(CategoryRef):
    model_config = ConfigDict(json_schema_extra={"examples": [_NEW]})

    parent_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class CategoryPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_NEW], "next_cursor": None}]}
    )

    items: list[CategoryOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class CategoryDeleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": NEW_ID, "deleted": True}]})

    id: uuid.UUID
    deleted: Literal[True] = True

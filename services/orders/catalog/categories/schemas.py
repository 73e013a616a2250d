"""Request and response bodies of the category tree. Times are UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.orders.catalog.schemas import CategoryCode, CategoryName

CATEGORY_EXAMPLE: dict[str, Any] = {
    "code": "health-fishoil",
    "name": "鱼油 Fish oil",
    "parent_code": "health",
    "lineage": ["health", "health-fishoil"],
    "created_at": "2026-11-23T06:30:00Z",
    "updated_at": "2026-11-23T06:30:00Z",
}


class CategoryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"code": "health", "name": "保健品 Health products"},
                {"code": "health-fishoil", "name": "鱼油 Fish oil", "parent_code": "health"},
            ]
        },
    )

    code: CategoryCode = Field(description="Stable code; sale lines and events carry it")
    name: CategoryName
    parent_code: CategoryCode | None = Field(None, description="The parent; none: a top category")


class CategoryChange(BaseModel):
    """The fields to change; those left out stay. ``parent_code: null`` moves it to the top."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "鱼油与磷脂 Fish oil", "parent_code": "health"}]},
    )

    name: CategoryName | None = None
    parent_code: CategoryCode | None = None


class CategoryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CATEGORY_EXAMPLE]})

    code: str
    name: str
    parent_code: str | None
    lineage: list[str] = Field(description="Codes from the top category down to this one")
    created_at: datetime
    updated_at: datetime


class CategoryList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [CATEGORY_EXAMPLE]}]})

    items: list[CategoryOut] = Field(description="Each top category followed by its subtree")

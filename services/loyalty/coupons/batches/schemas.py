"""Bodies of bulk grants. A batch names at most ``MAX_BATCH`` members, or an audience
(any size: it is resolved in the database, see
:func:`services.loyalty.coupons.batches.service.create_batch`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from services.loyalty.audiences.schemas import AudienceIn
from services.loyalty.coupons.schemas import GrantKey
from shared.inputs.choice import exactly_one

MAX_BATCH = 10_000
MAX_REFUSALS_SHOWN = 100

_MEMBER = "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"


class GrantBatchIn(BaseModel):
    """Grant the definition to each member once under ``grant_key``: a member granted a
    coupon of it with that key before (by a batch or one by one) keeps that one. The
    members are exactly one of ``member_ids`` (a member named twice is granted once) or
    ``audience`` (its members when the batch is created)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"member_ids": [_MEMBER], "grant_key": "vip-thanks-2026-11"},
                {
                    "audience": {"tiers": ["vip"], "min_points": 500},
                    "grant_key": "vip-thanks-2026-11",
                },
            ]
        },
    )

    member_ids: Annotated[list[uuid.UUID], Len(min_length=1, max_length=MAX_BATCH)] | None = None
    audience: AudienceIn | None = None
    grant_key: GrantKey

    @model_validator(mode="after")
    def _one_way_to_name_members(self) -> Self:
        exactly_one("give", {"member_ids": self.member_ids, "audience": self.audience})
        return self


class RefusedMemberOut(BaseModel):
    member_id: uuid.UUID
    reason: str
    """``no_account``, ``definition_ended``, ``quantity_exhausted`` (quantity or budget)
    or ``per_member_limit``."""


class GrantBatchOut(BaseModel):
    """A batch's progress: ``granted + refused + due = total``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5d2c9e1a-7b3f-4c8d-9e0a-1b2c3d4e5f60",
                    "definition_id": "3f6c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c",
                    "grant_key": "vip-thanks-2026-11",
                    "audience": None,
                    "total": 3,
                    "granted": 1,
                    "refused": 1,
                    "due": 1,
                    "refused_by_reason": {"per_member_limit": 1},
                    "refused_members": [{"member_id": _MEMBER, "reason": "per_member_limit"}],
                    "created_at": "2026-11-30T02:00:00Z",
                    "finished_at": None,
                }
            ]
        }
    )

    id: uuid.UUID
    definition_id: uuid.UUID
    grant_key: str
    audience: dict[str, JsonValue] | None
    """The audience as given (times in UTC), or None for a list of members."""
    total: int
    """Members of the list, or of the audience when the batch was created (0: none)."""
    granted: int
    refused: int
    due: int
    refused_by_reason: dict[str, int]
    refused_members: list[RefusedMemberOut]
    """The first 100 refused, by member id; all of them: :class:`RefusalPage`."""
    created_at: datetime
    finished_at: datetime | None


class RefusalPage(BaseModel):
    """A page of a batch's refused members, by member id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [{"member_id": _MEMBER, "reason": "per_member_limit"}],
                    "next_cursor": _MEMBER,
                }
            ]
        }
    )

    items: list[RefusedMemberOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to read the next page; null on the last page"
    )

"""Bodies of the rewards API. Point prices and balances are integer points; times are
answered in UTC.

Bounds: a code is 1 to 32 characters of letters, digits and ``- _ . / : # +``; a name one
line of at most 100 characters (it reaches the ledger's reason); a description at most
2,000 characters; a point price 1 to 10^12; stock 0 to ``MAX_STOCK`` (10^9) and a stock
change as much either way; an order 1 to ``MAX_ORDER_QUANTITY`` (100) units, so that it
costs at most 10^14 points; a per-member limit 1 to 10^6 units.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field, Strict

from services.loyalty.rewards.domain import (
    MAX_CODE,
    MAX_DESCRIPTION,
    MAX_MEMBER_LIMIT,
    MAX_NAME,
    MAX_ORDER_QUANTITY,
    MAX_REASON,
    MAX_STOCK,
    OrderStatus,
    StockKind,
)
from shared.inputs import Code, MultiLine, PlanTime, Points, SingleLine

RewardCode = Annotated[str, Code(MAX_CODE)]
RewardName = Annotated[str, SingleLine(MAX_NAME)]
Reason = Annotated[str, SingleLine(MAX_REASON)]
Stock = Annotated[int, Strict(), Interval(ge=0, le=MAX_STOCK)]
"""Units in stock: 0 to 10^9."""
StockChange = Annotated[int, Strict(), Interval(ge=-MAX_STOCK, le=MAX_STOCK)]
"""Units put into stock (positive) or taken out (negative): not 0, at most 10^9 either way."""
MemberLimit = Annotated[int, Strict(), Interval(ge=1, le=MAX_MEMBER_LIMIT)]
"""Units of one item a member may hold in orders not cancelled: 1 to 10^6."""
OrderQuantity = Annotated[int, Strict(), Interval(ge=1, le=MAX_ORDER_QUANTITY)]
"""Units of one order: 1 to 100."""

_ITEM_ID = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
_ORDER_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
_MEMBER_ID = "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11"
ITEM_SETTINGS: dict[str, Any] = {
    "name": "保温杯 Vacuum flask 500 ml",
    "description": "门店自提 Pick up in store",
    "point_price": 1500,
    "per_member_limit": 2,
    "valid_from": "2026-12-01T00:00:00+08:00",
    "valid_until": "2027-01-01T00:00:00+08:00",
    "active": True,
}
ITEM_EXAMPLE: dict[str, Any] = {
    "id": _ITEM_ID,
    "code": "FLASK-500",
    **ITEM_SETTINGS,
    "valid_from": "2026-11-30T16:00:00Z",
    "valid_until": "2026-12-31T16:00:00Z",
    "stock": 200,
    "available": True,
    "created_at": "2026-11-28T02:00:00Z",
    "updated_at": "2026-11-28T02:00:00Z",
    "updated_by": "marketing@brand.example",
}


class RewardItemSettings(BaseModel):
    """What marketing sets of an item, all of it at once (stock has its own endpoint)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ITEM_SETTINGS]})

    name: RewardName = Field(description="Shown to members, e.g. 保温杯")
    description: Annotated[str, MultiLine(MAX_DESCRIPTION)] | None = None
    point_price: Points = Field(description="Points one unit costs: 1 to 10^12")
    per_member_limit: MemberLimit | None = Field(
        None,
        description=(
            "Units one member may hold in orders not cancelled (null: no limit). Lowering "
            "it keeps the orders placed; it refuses new ones past it."
        ),
    )
    valid_from: PlanTime | None = Field(
        None, description="From when it can be ordered (inclusive; null: already)"
    )
    valid_until: PlanTime | None = Field(
        None,
        description="Until when it can be ordered (exclusive; null: no end); later than valid_from",
    )
    active: Annotated[bool, Strict()] = Field(
        True, description="false: not offered, whatever its window"
    )


class RewardItemCreate(RewardItemSettings):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "FLASK-500", **ITEM_SETTINGS, "stock": 200}]},
    )

    code: RewardCode = Field(description="Unique, never changes, e.g. FLASK-500")
    stock: Stock = Field(description="Units in stock to start with")


class RewardItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ITEM_EXAMPLE]})

    id: uuid.UUID
    code: str
    name: str
    description: str | None
    point_price: int
    per_member_limit: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool
    stock: int = Field(description="Units that can still be ordered")
    available: bool = Field(description="Active and within its window now (stock aside)")
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = Field(
        description="Who last set it or its stock (staff login; null to members)"
    )


class RewardItemPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [ITEM_EXAMPLE], "next_cursor": None}]}
    )

    items: list[RewardItemOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")


class StockChangeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"change": 50, "reason": "到货 delivery 2026-12-02"}]},
    )

    change: StockChange = Field(description="Units put in (positive) or taken out (negative)")
    reason: Reason = Field(description="Why, one line of at most 200 characters")


class StockChangeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "item_id": _ITEM_ID,
                    "change": 50,
                    "stock": 250,
                    "reason": "到货 delivery 2026-12-02",
                    "changed_by": "marketing@brand.example",
                    "changed_at": "2026-12-02T03:00:00Z",
                }
            ]
        }
    )

    item_id: uuid.UUID
    change: int
    stock: int = Field(description="Units in stock after the change")
    reason: str
    changed_by: str
    changed_at: datetime


class RewardOrderIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"item_id": _ITEM_ID, "quantity": 1}]}
    )

    item_id: uuid.UUID = Field(description="The reward item (GET /rewards/items)")
    quantity: OrderQuantity = Field(1, description="Units: 1 to 100")


class CancelIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "缺货 out of stock in store"}]}
    )

    reason: Reason | None = Field(None, description="Why, kept with the order")


ORDER_EXAMPLE: dict[str, Any] = {
    "order_id": _ORDER_ID,
    "member_id": _MEMBER_ID,
    "account_id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
    "item_id": _ITEM_ID,
    "item_code": "FLASK-500",
    "quantity": 1,
    "points": 1500,
    "status": "placed",
    "entry_id": "5c0e7f1e-8a1d-4c47-9a43-2b8e2f0a1c33",
    "refund_entry_id": None,
    "balance": 700,
    "placed_by": f"member-{_MEMBER_ID}",
    "placed_at": "2026-12-01T02:00:00Z",
    "fulfilled_at": None,
    "fulfilled_by": None,
    "cancelled_at": None,
    "cancelled_by": None,
    "cancel_reason": None,
}


class RewardOrderOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE]})

    order_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID = Field(description="The account the points left")
    item_id: uuid.UUID
    item_code: str
    quantity: int
    points: int = Field(description="What the order cost: point price when ordered × quantity")
    status: OrderStatus
    entry_id: uuid.UUID = Field(description="The ledger entry that spent the points")
    refund_entry_id: uuid.UUID | None = Field(
        description="The ledger entry that gave them back (a cancelled order)"
    )
    balance: int | None = Field(
        None,
        description="The account's balance after the points moved (answers to placing and "
        "cancelling; null elsewhere)",
    )
    placed_by: str = Field(
        description="The token's subject: the member, or a staff login (`staff` to members)"
    )
    placed_at: datetime
    fulfilled_at: datetime | None
    fulfilled_by: str | None = Field(description="A staff login (`staff` to members)")
    cancelled_at: datetime | None
    cancelled_by: str | None = Field(
        description="The member, or a staff login (`staff` to members)"
    )
    cancel_reason: str | None


class RewardOrderPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [ORDER_EXAMPLE], "next_cursor": None}]}
    )

    items: list[RewardOrderOut] = Field(description="Newest first")
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older orders")


class StockMovementOut(BaseModel):
    """One movement of an item's stock."""

    item_id: uuid.UUID
    kind: StockKind = Field(
        description="`initial` (stock at creation), `adjustment` (staff put units in or "
        "took them out), `order` (a reward order took them), `cancellation` (a cancelled "
        "order put them back)"
    )
    change: int = Field(description="Units, signed: put in (positive) or taken out")
    stock_after: int = Field(description="Units in stock after it")
    order_id: uuid.UUID | None = Field(description="The reward order, for its kinds")
    reason: str
    changed_by: str = Field(
        description="Who moved it: the staff subject, or who placed or cancelled the order"
    )
    changed_at: datetime


class StockMovementPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "item_id": _ITEM_ID,
                            "kind": "order",
                            "change": -1,
                            "stock_after": 249,
                            "order_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                            "reason": "reward order",
                            "changed_by": "0b9f5f7e-3f57-4a0c-9a55-1d3c0c8f2b11",
                            "changed_at": "2026-12-02T05:10:00Z",
                        },
                        {
                            "item_id": _ITEM_ID,
                            "kind": "adjustment",
                            "change": 50,
                            "stock_after": 250,
                            "order_id": None,
                            "reason": "到货 delivery 2026-12-02",
                            "changed_by": "marketing@brand.example",
                            "changed_at": "2026-12-02T03:00:00Z",
                        },
                    ],
                    "next_cursor": "1042",
                }
            ]
        }
    )

    items: list[StockMovementOut] = Field(description="Newest first")
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older ones")

"""Request and response bodies of voids. Amounts are integer fen; times are UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.orders.purchases.domain import MAX_VOID_REASON
from services.orders.tenders.schemas import RefundOut
from shared.inputs import SingleLine

VOID_EXAMPLE: dict[str, Any] = {
    "purchase_id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
    "total_fen": 45700,
    "voided_at": "2026-11-23T07:02:00Z",
    "reason": "rung up twice",
    "refunds": [
        {"kind": "card", "amount_fen": 30000, "paid_out": True},
        {"kind": "cash", "amount_fen": 15700, "paid_out": True},
    ],
    "paid_out_fen": 45700,
}


class VoidCreate(BaseModel):
    """A void of a whole sale; `{}` when there is nothing to say."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "rung up twice"}, {}]}
    )

    reason: Annotated[str, SingleLine(MAX_VOID_REASON)] | None = Field(
        None, description="Why the sale is voided, as the cashier says it"
    )


class VoidOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [VOID_EXAMPLE]})

    purchase_id: uuid.UUID
    total_fen: int
    voided_at: datetime
    reason: str | None
    refunds: list[RefundOut] = Field(
        description="Every tender back in full (a voucher is not paid out)"
    )
    paid_out_fen: int = Field(description="What the till hands back")

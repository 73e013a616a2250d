"""Response shapes of orders' part of a member's export."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.orders.purchases.schemas import PURCHASE_EXAMPLE, PurchaseOut


class OrdersExport(BaseModel):
    """What orders holds about a member: every purchase (newest first) with its lines,
    each line's quantity returned included. Amounts in fen; times UTC."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"purchases": [PURCHASE_EXAMPLE]}]})

    purchases: list[PurchaseOut]

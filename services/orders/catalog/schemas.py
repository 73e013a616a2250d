"""Request and response bodies of the catalog. Prices are integers in fen; times are UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from services.orders.catalog.domain import (
    CATEGORY_CODE_CHARSET,
    CATEGORY_CODE_PATTERN,
    MAX_CATEGORY_CODE,
    MAX_CATEGORY_NAME,
    MAX_PRODUCT_NAME,
    MAX_SKU,
    SkuCheck,
    Status,
)
from shared.inputs import Code, SingleLine, UnitPriceFen


class SheetLine(SingleLine):
    """One line of text that is safe in a spreadsheet: it does not start with ``=``,
    ``+``, ``-`` or ``@``, which Excel would run as a formula when it opens an export."""

    def validate(self, value: str) -> str:
        text = super().validate(value)
        if text[0] in "=+-@":
            raise PydanticCustomError(
                "text_formula",
                "must not start with {char}: a spreadsheet would read it as a formula",
                {"char": text[0]},
            )
        return text

    def schema_pattern(self) -> str:
        space = f"[^\\S{self.refused}]"
        return f"^{space}*[^{self.refused}\\s=+@-][^{self.refused}]*$"


Sku = Annotated[str, Code(MAX_SKU)]
"""As a sale line names it (``PurchaseCreate.lines[].sku``)."""
CategoryCode = Annotated[
    str, Code(MAX_CATEGORY_CODE, pattern=CATEGORY_CODE_PATTERN, charset=CATEGORY_CODE_CHARSET)
]
CategoryName = Annotated[str, SheetLine(MAX_CATEGORY_NAME)]
ProductName = Annotated[str, SheetLine(MAX_PRODUCT_NAME)]

_PRODUCT_ID = "2c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": _PRODUCT_ID,
    "sku": "HP-FISHOIL-60",
    "name": "深海鱼油 60粒 Fish oil, 60 capsules",
    "category_code": "health-fishoil",
    "category_lineage": ["health", "health-fishoil"],
    "list_price_fen": 25800,
    "status": "active",
    "revision": 1,
    "created_at": "2026-11-23T06:30:00Z",
    "updated_at": "2026-11-23T06:30:00Z",
}


class ProductCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sku": "HP-FISHOIL-60",
                    "name": "深海鱼油 60粒 Fish oil, 60 capsules",
                    "category_code": "health-fishoil",
                    "list_price_fen": 25800,
                }
            ]
        },
    )

    sku: Sku = Field(description="As the tills send it on sale lines; never changes")
    name: ProductName
    category_code: CategoryCode
    list_price_fen: UnitPriceFen
    status: Status = Field("active", description="`void` (作废): not for sale in strict mode")


class ProductChange(BaseModel):
    """The fields to change; those left out stay. Void and restore have endpoints of their own."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"list_price_fen": 23800}]}
    )

    name: ProductName | None = None
    category_code: CategoryCode | None = None
    list_price_fen: UnitPriceFen | None = None


class ProductOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

    id: uuid.UUID
    sku: str
    name: str
    category_code: str
    category_lineage: list[str] = Field(description="Codes from the top category down to it")
    list_price_fen: int
    status: Status
    revision: int = Field(description="Counts its changes (and its category's moves)")
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [PRODUCT_EXAMPLE], "next_cursor": None}]}
    )

    items: list[ProductOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")


class PriceOut(BaseModel):
    list_price_fen: int
    changed_at: datetime = Field(description="From when this price applies")
    changed_by: str = Field(description="Who set it: the staff login of the token")


class PriceHistory(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "list_price_fen": 23800,
                            "changed_at": "2026-11-25T02:00:00Z",
                            "changed_by": "admin@brand.example",
                        },
                        {
                            "list_price_fen": 25800,
                            "changed_at": "2026-11-23T06:30:00Z",
                            "changed_by": "admin@brand.example",
                        },
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    items: list[PriceOut] = Field(description="Newest first; the last is the price at creation")
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older prices")


class PolicyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"sku_check": "strict"}]}
    )

    sku_check: SkuCheck = Field(
        description=(
            "`strict`: a sale line's SKU must be an active catalog product (else 422 "
            "`unknown-sku` or `void-sku`); `lenient`: a SKU the catalog does not know is "
            "accepted with the category the till sent, and void products are sold; `auto` "
            "(the default): lenient while the catalog is empty, strict once it has a product. "
            "Either way a catalog product's line takes the catalog's category."
        )
    )


class PolicyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku_check": "auto",
                    "strict": True,
                    "updated_at": None,
                    "updated_by": None,
                }
            ]
        }
    )

    sku_check: SkuCheck
    strict: bool = Field(description="Whether sales' SKUs are checked strictly now")
    updated_at: datetime | None = Field(description="When an admin last set it (null: never)")
    updated_by: str | None

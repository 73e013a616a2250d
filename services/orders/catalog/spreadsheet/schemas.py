"""The answer of a catalog import (``POST /catalog/products:import``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.orders.catalog.spreadsheet.domain import Encoding

EXPORT_EXAMPLE = (
    "\ufeffsku,name,category,list_price_fen,status\r\n"
    "CS-SERUM-30,精华液 30ml Serum,cosmetics,39900,active\r\n"
    "HP-FISHOIL-60,深海鱼油 60粒 Fish oil,health,25800,active\r\n"
)


class ImportChange(BaseModel):
    row: int = Field(description="The row in the file, the header being row 1")
    sku: str
    action: Literal["created", "updated"]
    changed: list[str] = Field(description="The fields it changes (all for a new product)")


class ImportOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": True,
                    "encoding": "GB18030",
                    "byte_order_mark": False,
                    "rows": 3,
                    "created": 1,
                    "updated": 1,
                    "unchanged": 1,
                    "ignored_columns": ["规格"],
                    "changes": [
                        {
                            "row": 2,
                            "sku": "HP-FISHOIL-60",
                            "action": "updated",
                            "changed": ["list_price_fen"],
                        },
                        {
                            "row": 4,
                            "sku": "DG-TOOTHPASTE",
                            "action": "created",
                            "changed": ["sku", "name", "category", "list_price_fen", "status"],
                        },
                    ],
                }
            ]
        }
    )

    dry_run: bool = Field(description="True: nothing was written, this is what would change")
    encoding: Encoding = Field(description="How the file was read")
    byte_order_mark: bool = Field(description="Whether it began with a UTF-8 byte order mark")
    rows: int = Field(description="Product rows read (blank rows are skipped)")
    created: int
    updated: int
    unchanged: int
    ignored_columns: list[str] = Field(description="Headers of columns the catalog does not use")
    changes: list[ImportChange] = Field(description="Each row that creates or changes a product")

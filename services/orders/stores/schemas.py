"""Request and response bodies of ``POST /stores``."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.orders.stores.domain import MAX_STORE_NAME
from shared.inputs import SingleLine

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"


class StoreCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "徐汇店 Xuhui store"}]}
    )

    name: Annotated[str, SingleLine(MAX_STORE_NAME)] = Field(
        description=f"How the store is called, one line of 1 to {MAX_STORE_NAME} characters"
    )


class StoreCreated(BaseModel):
    """The only time the API key is shown: store it in the POS now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": _STORE, "name": "徐汇店 Xuhui store", "api_key": "hy_3q2…"}]
        }
    )

    id: uuid.UUID
    name: str
    api_key: str = Field(description="Send as the `X-API-Key` header; it is not shown again")

"""Bodies of the SMS providers' callbacks."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.messaging.notifications.domain import ReceiptStatus, Status
from shared.inputs import SingleLine


class Receipt(BaseModel):
    """A provider's delivery receipt for a message it took."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message_id": "4f1c2d9e7a6b4e0d8c3b2a1f0e9d8c7b",
                    "status": "delivered",
                    "at": "2026-11-30T13:05:09+00:00",
                }
            ]
        }
    )

    message_id: Annotated[str, SingleLine(255)] = Field(description="The provider's id")
    status: ReceiptStatus = Field(description="failed: the phone did not get it")
    at: AwareDatetime = Field(description="When the phone got it (or the provider gave up)")


class ReceiptApplied(BaseModel):
    """What the receipt did: the notification it is about and its status now, or nulls
    and ``kept`` for a message id no recorded SMS of that provider has (yet: the receipt
    is applied when the dispatcher records that send)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notification_id": "0b8e0f7e-8d55-4c38-9a0b-0d2f6a3c1e11",
                    "status": "delivered",
                    "kept": False,
                }
            ]
        }
    )

    notification_id: uuid.UUID | None
    status: Status | None
    kept: bool = Field(
        description="The send was not recorded yet: the receipt is kept and applied then"
    )

"""Bodies of the SMS providers' callbacks and the email provider's bounce reports."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

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


MAX_RECEIPTS = 1000
"""Receipts in one batch callback (about 130 KB of JSON): a provider with more splits them."""


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


BounceKind = Literal["hard", "soft", "complaint"]
"""hard: the address does not exist (5xx after the provider took the email); soft: a
temporary failure (a full mailbox); complaint: the member reported it as spam."""


class Bounce(BaseModel):
    """The email provider's report of a bounce (a DSN) or a complaint about an email it
    took, named by the email's ``Message-ID``. No address and no server text: the
    diagnostic is its RFC 3463 status code only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message_id": "<0b8e0f7e-8d55-4c38-9a0b-0d2f6a3c1e11@huiyuan.local>",
                    "kind": "hard",
                    "at": "2026-11-30T13:05:09+00:00",
                    "diagnostic_code": "5.1.1",
                }
            ]
        }
    )

    message_id: str = Field(
        description="The email's Message-ID header, angle brackets included",
        pattern=r"^<[^<>\s]{3,250}>$",
        max_length=252,
    )
    kind: BounceKind
    at: AwareDatetime = Field(description="When the provider got the bounce or complaint")
    diagnostic_code: str | None = Field(
        default=None,
        description="RFC 3463 enhanced status code (class.subject.detail)",
        pattern=r"^[245]\.\d{1,3}\.\d{1,3}$",
        max_length=9,
    )


class BounceApplied(BaseModel):
    """What the bounce did: the email it is about and its status now (``undelivered``
    after a hard bounce), or nulls and ``kept: false`` for a Message-ID no sent email
    has (answered 200, so the provider does not retry it forever). ``repeat``: this kind
    of bounce of this email was reported before, and nothing changed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notification_id": "0b8e0f7e-8d55-4c38-9a0b-0d2f6a3c1e11",
                    "status": "undelivered",
                    "kept": True,
                    "repeat": False,
                }
            ]
        }
    )

    notification_id: uuid.UUID | None
    status: Status | None
    kept: bool = Field(description="It is about an email messaging sent, and is recorded")
    repeat: bool = Field(default=False, description="Reported before: nothing changed")

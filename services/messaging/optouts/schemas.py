"""Request and response bodies of opt-outs."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.messaging import Channel, MessageClass
from shared.inputs import MultiLine, Phone, SingleLine


class OptOutOut(BaseModel):
    """What an unsubscribe link did: ``changed`` is false when the opt-out was already in
    force (a second click changes nothing)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"channel": "email", "message_class": "marketing", "changed": True}]
        }
    )

    channel: Channel
    message_class: MessageClass
    changed: bool


class InboundSmsIn(BaseModel):
    """A reply the SMS provider received, as its callback posts it."""

    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "+8613812345678",
                    "text": "退订",
                    "received_at": "2026-11-30T21:30:00+08:00",
                    "provider_message_id": "mo-7f3c2a",
                }
            ]
        },
    )

    sender: Phone = Field(alias="from", description="The sender's mobile number (E.164)")
    text: Annotated[str, MultiLine(1600)] = Field(description="The reply as sent")
    received_at: AwareDatetime = Field(description="When the provider received it")
    provider_message_id: Annotated[str, SingleLine(255)] = Field(
        description="The provider's id of the reply: a repeat of it changes nothing"
    )


class InboundSmsOut(BaseModel):
    """What became of the reply (see ``InboundSms.action``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "0b9d3c2e-6a1f-4f43-9d55-5f1c1f0f9a11", "action": "opted_out"}]
        }
    )

    id: uuid.UUID
    action: str = Field(description="opted_out, unknown_sender or stored")
    members: int = Field(description="Members whose marketing SMS were turned off by it")

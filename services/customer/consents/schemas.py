"""Response bodies of consent records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.customer.history.domain import ActorKind


class ChannelConsentRecord(BaseModel):
    """When the channel's consent was last given (``consented``) or withdrawn."""

    consented: bool
    changed_at: datetime
    changed_by: ActorKind
    actor: str | None = Field(description="The login of the member or staff user; none: import")
    privacy_policy_version: str | None = Field(
        description="The privacy policy in force when it was given or withdrawn; none: import"
    )


class MarketingConsentRecords(BaseModel):
    """Per channel; null: no record (the member joined before marketing consent was
    recorded, or was imported: the channel's consent applies)."""

    sms: ChannelConsentRecord | None = None
    email: ChannelConsentRecord | None = None


class ConsentRecords(BaseModel):
    """Per channel; null: no record (the member joined before consent was recorded)."""

    sms: ChannelConsentRecord | None = None
    email: ChannelConsentRecord | None = None
    marketing: MarketingConsentRecords = MarketingConsentRecords()


class ConsentChangeOut(ChannelConsentRecord):
    """A change of the consent on ``channel`` to ``message_class``, as it was set."""

    channel: Literal["sms", "email"]
    message_class: Literal["channel", "marketing"] = Field(
        description="`channel`: the channel itself; `marketing`: marketing messages on it"
    )


class ConsentHistory(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "channel": "sms",
                            "message_class": "marketing",
                            "consented": False,
                            "changed_at": "2026-11-30T09:12:00Z",
                            "changed_by": "member",
                            "actor": "member-7d1c0a52-3b4a-4f6e-8a9b-0c1d2e3f4a5b",
                            "privacy_policy_version": "2026-06",
                        },
                        {
                            "channel": "sms",
                            "message_class": "channel",
                            "consented": True,
                            "changed_at": "2026-03-02T10:00:00Z",
                            "changed_by": "staff",
                            "actor": "desk-07",
                            "privacy_policy_version": "2025-12",
                        },
                    ],
                    "next_cursor": "1042",
                }
            ]
        }
    )

    items: list[ConsentChangeOut] = Field(description="Latest first")
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older changes")

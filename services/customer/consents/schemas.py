"""Response bodies of consent records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

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

"""The cohorts' own read model: which sales each loyalty campaign reached."""

from __future__ import annotations

import uuid

from sqlmodel import Field

from services.analytics.base import AnalyticsTable


class CampaignPurchase(AnalyticsTable, table=True):
    """A sale a loyalty campaign reached (``campaign_ids`` of ``loyalty.points.earned``).

    Its member takes part in the campaign while the sale counts (not voided, not fully
    returned: that is read from the purchase facts when a cohort is asked for, so either
    event may arrive first)."""

    __tablename__ = "campaign_purchases"

    campaign_id: uuid.UUID = Field(primary_key=True)
    purchase_id: uuid.UUID = Field(primary_key=True)
    member_id: uuid.UUID

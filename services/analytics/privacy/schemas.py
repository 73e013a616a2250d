"""Response shapes of analytics' part of a member's export."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.analytics.members.schemas import MemberSummary
from services.analytics.segments.schemas import SegmentOut


class AnalyticsExport(BaseModel):
    """What analytics holds about a member. Analytics keeps no personal data (no name,
    phone, email or birthday), only facts by member id: ``summary`` is what its KPIs
    know of them (spend in fen, purchases, tier, RFM; null: no event about them yet), and
    ``segments`` the saved segments their last runs put them in."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"summary": None, "segments": []}]})

    summary: MemberSummary | None
    segments: list[SegmentOut]

"""Settings of the analytics service (environment prefix ``ANALYTICS_``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore")

    active_window_days: int = Field(
        default=30, ge=1, le=365, description="Default activity window of GET /kpis, in days"
    )
    rfm_bins: int = Field(
        default=5,
        ge=2,
        le=10,
        description="Default number of RFM scores per dimension (5: quintiles)",
    )
    sleeping_months: int = Field(
        default=6,
        ge=1,
        le=60,
        description="Default months without a purchase after which a member is sleeping",
    )
    segment_poll_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="How often the segment refresher looks for due and requested runs",
    )
    clv_poll_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="How often the CLV fitter looks for queued fits"
    )
    # analytics' read models are on no latency target's path: its consumer gathers a
    # quarter of a second of events per batch (five times fewer batches than 50 ms at low
    # rates; docs/performance.md, "Issue 19's fourth round")
    consumer_fetch_max_wait_ms: int = Field(default=250, ge=0, le=5_000)
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1, le=50 * 1024 * 1024)


def current_settings(request: Request) -> Settings:
    """A route dependency: the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


CurrentSettings = Annotated[Settings, Depends(current_settings)]

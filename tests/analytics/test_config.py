from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.analytics.config import Settings


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_default_activity_window_outside_one_to_365_days_stops_the_start(days: int) -> None:
    with pytest.raises(ValidationError, match="active_window_days"):
        Settings(active_window_days=days)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("rfm_bins", 1), ("rfm_bins", 11), ("sleeping_months", 0), ("sleeping_months", 61)],
)
def test_segmentation_defaults_out_of_range_stop_the_start(setting: str, value: int) -> None:
    with pytest.raises(ValidationError, match=setting):
        Settings.model_validate({setting: value})


def test_segmentation_defaults() -> None:
    settings = Settings()
    assert (settings.rfm_bins, settings.sleeping_months) == (5, 6)

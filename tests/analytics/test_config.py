from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.analytics.config import Settings


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_default_activity_window_outside_one_to_365_days_stops_the_start(days: int) -> None:
    with pytest.raises(ValidationError, match="active_window_days"):
        Settings(active_window_days=days)

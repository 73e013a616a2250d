"""Input defaults set for one test and restored after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.inputs import InputDefaults
from shared.inputs.config import set_input_defaults

Configure = Callable[..., InputDefaults]


@pytest.fixture
def configure() -> Iterator[Configure]:
    """``configure(phone_region="US")``: the defaults with some values replaced."""
    base = InputDefaults(
        phone_region="CN",
        business_timezone=ZoneInfo("Asia/Shanghai"),
        earliest_trading_date=date(2000, 1, 1),
        clock_skew=timedelta(minutes=5),
    )
    previous = set_input_defaults(base)

    def configure(**values: Any) -> InputDefaults:
        defaults = replace(base, **values)
        set_input_defaults(defaults)
        return defaults

    yield configure
    set_input_defaults(previous)

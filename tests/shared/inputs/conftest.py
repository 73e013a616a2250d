"""Input defaults set for one test and restored after it, and the one refusal a model
gives for a bad field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from shared.inputs import InputDefaults
from shared.inputs.config import set_input_defaults

Configure = Callable[..., InputDefaults]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def refusal(model: type[BaseModel], **fields: Any) -> dict[str, Any]:
    """The single validation error ``model(**fields)`` raises, as a dict."""
    with pytest.raises(ValidationError) as refused:
        model(**fields)
    (error,) = refused.value.errors()
    return dict(error)


@pytest.fixture
def configure() -> Iterator[Configure]:
    """``configure(phone_region="US")``: the defaults with some values replaced."""
    base = InputDefaults(
        phone_region="CN",
        business_timezone=SHANGHAI,
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

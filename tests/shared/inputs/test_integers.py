"""Bounded integers: every value derived from accepted inputs fits every column it reaches."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from annotated_types import Len
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.inputs import (
    INT32_MAX,
    INT64_MAX,
    JSON_SAFE_INTEGER,
    MAX_BALANCE,
    MAX_LINES,
    MAX_MULTIPLIER_PERCENT,
    MAX_POINTS,
    MAX_POINTS_PER_YUAN,
    MAX_QUANTITY,
    MAX_RUNNING_FEN,
    MAX_SALE_TOTAL_FEN,
    LineNo,
    MultiplierPercent,
    Points,
    PointsPerYuan,
    Quantity,
    SpendFen,
    TotalAtMost,
    UnitPriceFen,
)


class Line(BaseModel):
    quantity: Quantity
    unit_price_fen: UnitPriceFen


def line_amount(line: Line) -> int:
    return line.quantity * line.unit_price_fen


class Sale(BaseModel):
    lines: Annotated[list[Line], Len(1, MAX_LINES), TotalAtMost(MAX_SALE_TOTAL_FEN, line_amount)]


class Everything(BaseModel):
    quantity: Quantity = 1
    unit_price_fen: UnitPriceFen = 0
    threshold_fen: SpendFen = 0
    points: Points = 1
    points_per_yuan: PointsPerYuan = 0
    multiplier: MultiplierPercent = 100
    line_no: LineNo = 1


BOUNDS = {
    "quantity": (1, MAX_QUANTITY),
    "unit_price_fen": (0, MAX_SALE_TOTAL_FEN),
    "threshold_fen": (0, MAX_RUNNING_FEN),
    "points": (1, MAX_POINTS),
    "points_per_yuan": (0, MAX_POINTS_PER_YUAN),
    "multiplier": (0, MAX_MULTIPLIER_PERCENT),
    "line_no": (1, MAX_LINES),
}

lines = st.builds(
    Line,
    quantity=st.integers(1, MAX_QUANTITY),
    unit_price_fen=st.integers(0, MAX_SALE_TOTAL_FEN),
)


def test_each_column_holds_the_largest_value_that_reaches_it() -> None:
    assert MAX_QUANTITY <= INT32_MAX  # purchase_lines.quantity, returned_quantity
    assert MAX_POINTS_PER_YUAN <= INT32_MAX  # earning_rule.points_per_yuan
    assert MAX_LINES <= INT32_MAX  # line_no
    # the product before the division of points_for, should SQL ever compute it
    assert MAX_SALE_TOTAL_FEN * MAX_POINTS_PER_YUAN * MAX_MULTIPLIER_PERCENT <= INT64_MAX
    assert MAX_QUANTITY * MAX_SALE_TOTAL_FEN <= INT64_MAX  # a line amount before the cap
    assert MAX_POINTS <= MAX_BALANCE <= JSON_SAFE_INTEGER < INT64_MAX  # bigint, and JSON
    assert MAX_SALE_TOTAL_FEN <= MAX_RUNNING_FEN <= JSON_SAFE_INTEGER
    # a running sum takes many sales of the largest size before its cap
    assert MAX_RUNNING_FEN // MAX_SALE_TOTAL_FEN >= 900_000
    assert MAX_BALANCE // MAX_POINTS >= 9_000


@given(
    sale=st.lists(lines, min_size=1, max_size=MAX_LINES),
    points_per_yuan=st.integers(0, MAX_POINTS_PER_YUAN),
    multiplier=st.integers(0, MAX_MULTIPLIER_PERCENT),
)
def test_points_of_any_accepted_sale_fit_a_single_movement(
    sale: list[Line], points_per_yuan: int, multiplier: int
) -> None:
    try:
        accepted = Sale(lines=sale)
    except ValidationError as refused:
        (error,) = refused.errors()
        assert error["loc"] == ("lines",)
        assert sum(map(line_amount, sale)) > MAX_SALE_TOTAL_FEN
        return
    total = sum(map(line_amount, accepted.lines))
    assert total <= MAX_SALE_TOTAL_FEN
    assert total * points_per_yuan * multiplier // 10_000 <= MAX_POINTS


def test_a_sale_over_the_largest_total_is_refused_naming_the_lines() -> None:
    half = {"quantity": 1, "unit_price_fen": MAX_SALE_TOTAL_FEN // 2}
    assert Sale.model_validate({"lines": [half, half]})
    with pytest.raises(ValidationError) as refused:
        Sale.model_validate({"lines": [half, half, {"quantity": 1, "unit_price_fen": 1}]})
    (error,) = refused.value.errors()
    assert error["loc"] == ("lines",)
    assert error["msg"] == (
        "adds up to 10000000001 fen, more than the 10000000000 fen accepted at once"
    )


@pytest.mark.parametrize("field", sorted(BOUNDS))
@given(data=st.data())
def test_values_inside_the_bounds_pass_and_outside_are_refused(
    field: str, data: st.DataObject
) -> None:
    low, high = BOUNDS[field]
    inside = data.draw(st.integers(low, high))
    assert getattr(Everything(**{field: inside}), field) == inside
    outside = data.draw(st.integers(max_value=low - 1) | st.integers(min_value=high + 1))
    with pytest.raises(ValidationError) as refused:
        Everything(**{field: outside})
    (error,) = refused.value.errors()
    assert error["loc"] == (field,)


@pytest.mark.parametrize("value", [2**64, 2**64 + 1, -(2**64), 10**40, 2**63])
def test_integers_beyond_64_bits_are_refused_like_any_other(value: int) -> None:
    """Read as JSON by pydantic, and as FastAPI does: parsed by ``json``, then validated."""
    body = f'{{"points": {value}}}'
    for validate in (Everything.model_validate_json, _as_fastapi_does):
        with pytest.raises(ValidationError) as refused:
            validate(body)
        (error,) = refused.value.errors()
        assert error["type"] in ("less_than_equal", "greater_than_equal")


def _as_fastapi_does(body: str) -> Everything:
    return Everything.model_validate(json.loads(body))


@pytest.mark.parametrize("value", [True, 5.0, "5", None, [5]])
def test_only_a_json_integer_is_an_integer(value: Any) -> None:
    with pytest.raises(ValidationError):
        Everything(points=value)


def test_json_schema_has_minimum_and_maximum() -> None:
    properties = Everything.model_json_schema()["properties"]
    for field, (low, high) in BOUNDS.items():
        assert (properties[field]["minimum"], properties[field]["maximum"]) == (low, high)

"""Card numbers: numbered in joining order, the last digit a Luhn check digit."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.customer.config import Settings
from services.customer.members.domain import card_number, is_valid_card_number, luhn_check_digit


def test_cards_are_numbered_by_serial_with_a_check_digit() -> None:
    assert card_number("8860", 1) == "8860000000017"
    assert card_number("8860", 123_456_789) == "88601234567899"  # past 8 digits it grows
    assert all(is_valid_card_number(card_number("8860", n)) for n in range(1, 500))


@pytest.mark.parametrize(
    ("digits", "check"), [("7992739871", 3), ("886000000001", 7), ("0", 0), ("9", 1)]
)
def test_luhn_check_digit(digits: str, check: int) -> None:
    assert luhn_check_digit(digits) == check


@pytest.mark.parametrize(
    "number",
    [
        "8860000000018",  # wrong check digit
        "8860000000071",  # two digits swapped
        "7",  # nothing to check
        "",
        "886000000001７",  # a full-width digit
        "886000000001²",  # a digit to str.isdigit, not to a person
        "8860 0000 0001 7",
    ],
)
def test_numbers_that_do_not_check_are_not_card_numbers(number: str) -> None:
    assert not is_valid_card_number(number)


@pytest.mark.parametrize("prefix", ["", "88a0", "8" * 13, "88 60", "８８６０"])
def test_a_card_prefix_that_cannot_make_a_card_number_is_refused_at_start(prefix: str) -> None:
    with pytest.raises(ValidationError, match="card_number_prefix"):
        Settings(card_number_prefix=prefix)

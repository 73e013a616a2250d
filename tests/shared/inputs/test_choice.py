"""``exactly_one``: a body giving none or several of its alternatives hears which case."""

from __future__ import annotations

from typing import Any

import pytest

from shared.inputs.choice import exactly_one

MEMBER = ("member_id", "card_number", "phone")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"lines": None, "all": False}, "give one of lines or all: neither was given"),
        ({"lines": [1], "all": True}, "give only one of lines or all: both were given"),
        (dict.fromkeys(MEMBER), "give one of member_id, card_number or phone: none was given"),
        (
            {"member_id": None, "card_number": "886", "phone": "138"},
            "give only one of member_id, card_number or phone: card_number and phone were given",
        ),
        (
            dict.fromkeys(MEMBER, "x"),
            "give only one of member_id, card_number or phone: member_id, card_number and "
            "phone were given",
        ),
    ],
)
def test_none_or_several_say_which(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        exactly_one("give", given)


@pytest.mark.parametrize("value", [0, "", [], True, "886"])
def test_one_given_passes_whatever_its_value_but_none_or_false(value: object) -> None:
    exactly_one("give", {"a": value, "b": None, "c": False})

"""The pure rules of custom fields: definitions, values and search filters."""

from __future__ import annotations

from datetime import date

import pytest

from services.customer.fields.domain import (
    NUMBER_BOUND,
    Definition,
    Filter,
    Refused,
    Stored,
    check_definition,
    checked_values,
    parse_filter,
    search_form,
)

SKIN = Definition("skin_type", "choice", choices=("dry", "oily"), searchable=True)
HEIGHT = Definition("height_mm", "number", minimum=500, maximum=2500, searchable=True)
WEDDING = Definition("wedding_day", "date", searchable=True)
NICKNAME = Definition("nickname", "text", max_length=5, searchable=True)
STAFF_NOTE = Definition("staff_note", "text")
DEFINITIONS = {d.key: d for d in (SKIN, HEIGHT, WEDDING, NICKNAME, STAFF_NOTE)}


def _refusal(field: str, call: object) -> str:
    assert callable(call)
    with pytest.raises(Refused) as refused:
        call()
    assert refused.value.field == field
    return refused.value.reason


@pytest.mark.parametrize(
    ("kind", "rules", "field"),
    [
        ("choice", {"choices": []}, "choices"),
        ("text", {"choices": ["a"]}, "choices"),
        ("choice", {"choices": ["a", "b", "a"]}, "choices"),
        ("number", {"max_length": 10}, "max_length"),
        ("text", {"minimum": 1}, "minimum"),
        ("date", {"maximum": 1}, "maximum"),
        ("number", {"minimum": 5, "maximum": 4}, "minimum"),
    ],
)
def test_rules_that_do_not_fit_the_type_are_refused(
    kind: str, rules: dict[str, object], field: str
) -> None:
    wanted = {"choices": [], "max_length": None, "minimum": None, "maximum": None} | rules
    _refusal(field, lambda: check_definition(kind, **wanted))  # type: ignore[arg-type]


def test_rules_that_fit_pass() -> None:
    check_definition("choice", choices=["a", "b"], max_length=None, minimum=None, maximum=None)
    check_definition("number", choices=[], max_length=None, minimum=-1, maximum=-1)
    check_definition("text", choices=[], max_length=20, minimum=None, maximum=None)


def test_values_are_stored_by_type() -> None:
    checked = checked_values(
        DEFINITIONS,
        {
            "skin_type": "dry",
            "height_mm": 1725,
            "wedding_day": "2020-02-29",
            "nickname": "  小李  ",
            "staff_note": None,
        },
        registration=True,
    )
    assert checked == {
        "skin_type": Stored(term="dry"),
        "height_mm": Stored(number=1725),
        "wedding_day": Stored(day=date(2020, 2, 29)),
        "nickname": Stored(text="小李"),
    }


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"unknown_key": 1}, "unknown_key", "is not a custom field"),
        ({"skin_type": "normal"}, "skin_type", "one of the choice codes: dry, oily"),
        ({"skin_type": 1}, "skin_type", "one of the choice codes"),
        ({"height_mm": "1725"}, "height_mm", "must be an integer"),
        ({"height_mm": True}, "height_mm", "must be an integer"),
        ({"height_mm": 2501}, "height_mm", "from 500 to 2500"),
        ({"height_mm": 499}, "height_mm", "from 500 to 2500"),
        ({"wedding_day": "2021-02-29"}, "wedding_day", "not a date of the calendar"),
        ({"wedding_day": "20200229"}, "wedding_day", "YYYY-MM-DD"),
        ({"wedding_day": "1899-12-31"}, "wedding_day", "from 1900-01-01"),
        ({"nickname": "abcdef"}, "nickname", "at most 5"),
        ({"nickname": "a\nb"}, "nickname", "single line"),
        ({"nickname": 5}, "nickname", "must be text"),
        ({"nickname": "   "}, "nickname", "blank"),
    ],
)
def test_a_bad_value_names_its_key(values: dict[str, object], field: str, reason: str) -> None:
    found = _refusal(field, lambda: checked_values(DEFINITIONS, values, registration=False))
    assert reason in found


def test_required_fields_at_registration_and_in_edits() -> None:
    required = DEFINITIONS | {"member_level": Definition("member_level", "number", required=True)}
    assert "is required" in _refusal(
        "member_level", lambda: checked_values(required, {"height_mm": 1000}, registration=True)
    )
    assert "is required" in _refusal(
        "member_level", lambda: checked_values(required, {"member_level": None}, registration=True)
    )
    assert "cannot be cleared" in _refusal(
        "member_level", lambda: checked_values(required, {"member_level": None}, registration=False)
    )
    # an edit that leaves it out is fine: required applies to what a write touches
    assert checked_values(required, {"height_mm": None}, registration=False) == {"height_mm": None}


def test_a_retired_field_is_neither_written_nor_required() -> None:
    retired = {"old": Definition("old", "text", required=True, active=False)}
    assert checked_values(retired, {}, registration=True) == {}
    assert "retired" in _refusal(
        "old", lambda: checked_values(retired, {"old": "x"}, registration=False)
    )


def test_filters_by_type() -> None:
    assert parse_filter(SKIN, "dry") == Filter("skin_type", "term", "dry", "dry")
    assert parse_filter(NICKNAME, " ＬＩ ") == Filter("nickname", "term", "li", "li", hashed=True)
    assert parse_filter(HEIGHT, "1700") == Filter("height_mm", "number", 1700, 1700)
    assert parse_filter(HEIGHT, "1700..1800") == Filter("height_mm", "number", 1700, 1800)
    assert parse_filter(HEIGHT, "..-5") == Filter("height_mm", "number", None, -5)
    assert parse_filter(WEDDING, "2020-01-01..") == Filter(
        "wedding_day", "day", date(2020, 1, 1), None
    )


@pytest.mark.parametrize(
    ("definition", "text", "reason"),
    [
        (STAFF_NOTE, "x", "not searchable"),
        (SKIN, "normal", "choice codes"),
        (HEIGHT, "tall", "must be an integer"),
        (HEIGHT, str(NUMBER_BOUND + 1), "must be an integer"),
        (HEIGHT, "..", "at least one end"),
        (HEIGHT, "9..1", "after its last"),
        (WEDDING, "2020-13-01", "not a date"),
        (Definition("gone", "text", searchable=True, active=False), "x", "retired"),
    ],
)
def test_a_bad_filter_names_its_parameter(definition: Definition, text: str, reason: str) -> None:
    found = _refusal(f"field.{definition.key}", lambda: parse_filter(definition, text))
    assert reason in found


def test_search_form_folds_width_case_and_spaces() -> None:
    assert search_form("  Ｌｉ Lei ") == search_form("li lei") == "li lei"

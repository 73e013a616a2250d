"""Text and codes: every refused character refused wherever it stands, all else kept as sent."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.inputs import Code, MultiLine, SingleLine

MAX = 20


class Form(BaseModel):
    name: Annotated[str, SingleLine(MAX)]
    note: Annotated[str, MultiLine(MAX)] = "-"
    sku: Annotated[str, Code(MAX)] = "A1"
    tier: Annotated[str, Code(8, pattern=r"^[a-z0-9_]+$", charset="a-z, 0-9 and _")] = "vip"


# What real text needs although it is invisible or a format character (see shared.inputs.text)
MARKS = {0x061C, 0x200C, 0x200D, 0x200E, 0x200F}
ALLOWED_FORMAT = MARKS | {*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2}


def _refused_by_single_line(code: int) -> bool:
    category = unicodedata.category(chr(code))
    if category == "Cf":
        return code <= 0xFFFF and code not in ALLOWED_FORMAT
    return category in ("Cc", "Zl", "Zp", "Cs")


REFUSED = [chr(c) for c in range(0x10000) if _refused_by_single_line(c)]
refused_chars = st.sampled_from(REFUSED)
visible = st.characters(categories=["L", "N", "P", "S"])
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=MAX + 5)


def _errors(**fields: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as refused:
        Form(**{"name": "ok", **fields})
    return [dict(error) for error in refused.value.errors()]


@given(
    head=st.text(visible, min_size=1, max_size=8),
    char=refused_chars,
    tail=st.text(visible, min_size=1),
)
def test_a_refused_character_anywhere_inside_is_refused_naming_field_and_code_point(
    head: str, char: str, tail: str
) -> None:
    # inside: a line break or tab at either end is whitespace, trimmed like a space
    (error,) = _errors(name=head + char + tail[:5])
    assert error["loc"] == ("name",)
    assert f"U+{ord(char):04X}" in error["msg"]
    assert f"at character {len(head) + 1}" in error["msg"]


def test_every_control_separator_and_format_character_is_either_refused_or_listed() -> None:
    """The whole kind: a Unicode update adding a format character fails here until decided."""
    for code in range(0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if category not in ("Cc", "Cf", "Zl", "Zp"):
            continue
        try:
            Form(name=f"a{char}b")
        except ValidationError:
            assert _refused_by_single_line(code), f"U+{code:04X} refused but allowed by list"
        else:
            assert not _refused_by_single_line(code), f"U+{code:04X} accepted"


@given(value=texts)
def test_accepted_text_is_the_trimmed_input_within_bounds_without_refused_chars(
    value: str,
) -> None:
    try:
        form = Form(name=value)
    except ValidationError:
        stripped = value.strip()
        assert (
            not stripped
            or len(stripped) > MAX
            or any(_refused_by_single_line(ord(c)) for c in stripped)
            or all(c.isspace() or ord(c) in MARKS for c in stripped)
        )
        return
    assert form.name == value.strip()
    assert 1 <= len(form.name) <= MAX
    assert not any(_refused_by_single_line(ord(c)) for c in form.name)


@given(
    value=st.one_of(
        st.text(st.sampled_from(" \t\n\r\u3000\u00a0\u2003"), max_size=10),
        st.text(st.sampled_from(" \u3000\u200c\u200d\u200e\u200f\u061c"), max_size=10),
    )
)
def test_blank_is_refused(value: str) -> None:
    (error,) = _errors(name=value)
    assert error["type"] == "text_blank"
    assert error["msg"] == "must not be blank"


def test_length_counts_characters_after_trimming() -> None:
    assert Form(name=f"  {'李' * MAX}\u3000").name == "李" * MAX
    (error,) = _errors(name="李" * (MAX + 1))
    assert error["msg"] == f"must be at most {MAX} characters long (after trimming), not 21"


def test_single_line_names_a_line_break_as_such() -> None:
    (error,) = _errors(name="VIP\nBcc: x@example.com")
    assert error["type"] == "text_line_break"
    assert error["msg"] == (
        "must be a single line: found a line break (U+000A LINE FEED) at character 4"
    )
    assert Form(name="VIP贵宾\r\n").name == "VIP贵宾"  # at the ends it is trimmed away


def test_multi_line_keeps_line_feeds_and_tabs_and_stores_crlf_as_lf() -> None:
    assert Form(name="x", note="a\r\nb\rc\td").note == "a\nb\nc\td"
    for separator in ["\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x00", "\x1b"]:
        (error,) = _errors(note=f"a{separator}b")
        assert error["loc"] == ("note",)
        assert error["type"] == "text_forbidden_character"


def test_emoji_sequences_and_direction_marks_are_text() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert Form(name=f"{family}{flag}").name == f"{family}{flag}"
    assert Form(name="\u05e9\u05dc\u05d5\u05dd\u200f (Shalom)").name.startswith("\u05e9")


@pytest.mark.parametrize(
    ("value", "kept"), [("HC-001", "HC-001"), (" R-20261123/42 ", "R-20261123/42")]
)
def test_codes_are_trimmed_and_kept_as_given(value: str, kept: str) -> None:
    assert Form(name="x", sku=value).sku == kept


@pytest.mark.parametrize("value", ["=SUM(A1)", "-rf", "HC 001", "货号1", "A\x00", "+1"])
def test_codes_refuse_other_characters_saying_which_are_allowed(value: str) -> None:
    (error,) = _errors(sku=value)
    assert error["loc"] == ("sku",)
    assert error["msg"] == (
        "may contain only letters A-Z, digits and - _ . / : # +, starting with a letter or digit"
    )


def test_a_code_pattern_of_its_own() -> None:
    assert Form(name="x", tier="gold_2").tier == "gold_2"
    (error,) = _errors(tier="Gold")
    assert error["msg"] == "may contain only a-z, 0-9 and _"
    (error,) = _errors(tier="a" * 9)
    assert error["type"] == "text_too_long"


def _schema(field: str) -> dict[str, Any]:
    properties: dict[str, dict[str, Any]] = Form.model_json_schema()["properties"]
    return properties[field]


def test_json_schema_carries_bounds_and_pattern() -> None:
    name = _schema("name")
    assert (name["type"], name["minLength"], name["maxLength"]) == ("string", 1, MAX)
    assert _schema("tier")["pattern"] == r"^[a-z0-9_]+$"


@given(value=st.text(st.characters(exclude_categories=["Cs"]), max_size=MAX))
def test_the_schema_pattern_accepts_exactly_what_validation_accepts(value: str) -> None:
    """A fuzzer generating from the pattern generates valid values, and invalid ones off it."""
    value = value.strip()
    for field in ("name", "note"):
        try:
            Form(**{"name": "x", field: value})
            accepted = True
        except ValidationError:
            accepted = False
        assert bool(re.fullmatch(_schema(field)["pattern"], value)) == accepted, field


@given(data=st.data())
def test_values_generated_from_the_schema_pattern_are_accepted(data: st.DataObject) -> None:
    value = data.draw(st.from_regex(_schema("name")["pattern"]))
    if len(value.strip()) <= MAX:
        assert Form(name=value).name == value.strip()


def test_bounds_must_make_sense() -> None:
    with pytest.raises(ValueError, match="min_length"):
        SingleLine(0)
    with pytest.raises(ValueError, match="min_length"):
        Code(5, min_length=6)

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.messaging.templates import domain
from services.messaging.templates.errors import TemplateError

# every character a one-line field refuses that could split a header or an SMS, by kind
BREAKS = {
    "line feed": "\n",
    "carriage return": "\r",
    "CRLF": "\r\n",
    "vertical tab": "\v",
    "form feed": "\f",
    "next line": "\x85",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "tab": "\t",
    "NUL": "\0",
    "escape": "\x1b",
    "right-to-left override": "\u202e",
    "zero-width space": "\u200b",
}


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
def test_one_line_replaces_each_run_of_breaking_characters_by_a_space(brk: str) -> None:
    assert domain.one_line(f"{brk}Gold{brk}{brk}Bcc: x@example.com{brk}") == (
        "Gold Bcc: x@example.com"
    )


def test_one_line_keeps_text_that_is_one_line_already() -> None:
    text = "金卡 VIP\u3000会员 👩\u200d👩\u200d👧"  # ideographic space and joiners stay
    assert domain.one_line(text) == text


def test_only_text_is_made_one_line_when_interpolated() -> None:
    assert domain.interpolated("a\nb") == "a b"
    assert domain.interpolated(1280) == 1280


WITHIN_A_LINE = {name: brk for name, brk in BREAKS.items() if "\n" not in brk}


@pytest.mark.parametrize("brk", WITHIN_A_LINE.values(), ids=WITHIN_A_LINE.keys())
def test_an_email_subject_is_one_line(brk: str) -> None:
    """The first line feed ends the subject line; no other break stays in the subject."""
    subject, body = domain.email_parts(f"Subject: Hi{brk}there{brk}\nBody\n", "x.email.txt")
    assert subject == "Hi there"
    assert body == "Body\n"


def test_a_subject_longer_than_its_column_is_cut_with_an_ellipsis() -> None:
    subject, _ = domain.email_parts("Subject: " + "积" * 300 + "\nBody", "x.email.txt")
    assert len(subject) == domain.MAX_SUBJECT_LENGTH
    assert subject.endswith("积…")


def test_an_email_template_must_start_with_its_subject() -> None:
    with pytest.raises(TemplateError, match="Subject"):
        domain.email_parts("Hello\nBody", "x.email.txt")


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
def test_an_sms_template_that_renders_a_line_break_is_broken(brk: str) -> None:
    with pytest.raises(TemplateError, match="one line"):
        domain.sms_text(f"  Hello{brk}there ", "en/welcome.sms.txt")
    assert domain.sms_text("  Hello there\n", "en/welcome.sms.txt") == "Hello there"


def test_points_are_integers_with_thousands_separators() -> None:
    assert domain.format_points(12_800) == "12,800"
    for value in (1.5, True, "12"):
        with pytest.raises(TypeError, match="integer"):
            domain.format_points(value)


def test_days_are_written_in_the_members_language() -> None:
    assert domain.format_day(date(2026, 12, 31), "zh-CN") == "2026年12月31日"
    assert domain.format_day(date(2027, 1, 5), "zh-CN") == "2027年1月5日"
    assert domain.format_day(date(2027, 1, 5), "en") == "5 Jan 2027"
    assert domain.format_day(date(2026, 5, 20), "en") == "20 May 2026"
    # an instant has no day until it is placed in the brand's timezone, which is not ours
    for value in ("2026-12-31", datetime(2026, 12, 31, 16)):
        with pytest.raises(TypeError, match="a day must be a date"):
            domain.format_day(value, "en")

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from services.messaging.templates import domain
from services.messaging.templates.errors import TemplateError
from shared.events.customer import Locale
from shared.events.messaging import Channel

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
        domain.sms_text(f"  Hello{brk}there ", "en/welcome.sms.txt", marketing=True, locale="en")
    text = domain.sms_text("  Hello there\n", "en/welcome.sms.txt", marketing=False, locale="en")
    assert text == "Hello there"


@pytest.mark.parametrize(
    ("text", "locale", "marketing", "sent"),
    [
        ("欢迎加入会员！", "zh-CN", True, "欢迎加入会员！回T退订"),
        ("请评分：https://x.example/s", "zh-CN", True, "请评分：https://x.example/s 回T退订"),
        ("Welcome, Lei!", "en", True, "Welcome, Lei! Reply T to opt out"),
        ("本次消费获得 10 积分。", "zh-CN", False, "本次消费获得 10 积分。"),
        ("You earned 10 points.", "en", False, "You earned 10 points."),
    ],
)
def test_a_marketing_sms_ends_with_how_to_opt_out_a_transactional_one_does_not(
    text: str, locale: Locale, marketing: bool, sent: str
) -> None:
    assert domain.sms_text(text, "x", marketing=marketing, locale=locale) == sent


@pytest.mark.parametrize(
    ("text", "channel", "reason"),
    [
        ("Hi {{ name }}\nbye", "sms", "line 2: an SMS template is one line"),
        ("Hi {{ name }}", "sms", None),
        ("Hello\n\nbody", "email", "line 1: an email template starts with 'Subject: '"),
        ("Subject:  \n\nbody", "email", "line 1: an email template starts with 'Subject: '"),
        ("Subject: Hi\n\n", "email", "line 2: an email template has a body"),
        ("Subject: Hi\n\nbody", "email", None),
    ],
)
def test_a_template_keeps_its_channels_shape(
    text: str, channel: Channel, reason: str | None
) -> None:
    found = domain.shape_refusal(text, channel)
    assert found == reason if reason is None else (found or "").startswith(reason)


DECLARED = ["name", "points", "days"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ name }} {{ points|points }}", None),
        ("{% for d in days %}{{ d.day|day }}{% if not loop.last %},{% endif %}{% endfor %}", None),
        ("{% set n = points %}{{ n|points }}", None),
        (
            "{{ name }}\n{{ balance|points }}",
            "line 2: 'balance' is not a variable of points_expiring (it has: name, points, days)",
        ),
        ("{{ name|attr('x') }}", "line 1: 'attr' is not a filter templates may use"),
        ("{{ name|join(name) }}", "line 1: 'join' is not a filter templates may use"),
        ("{{ name }}\n\n{{ points|pprint }}", "line 3: 'pprint' is not a filter"),
        ("{% include 'zh-CN/welcome.sms.txt' %}", "line 1: 'include' is not allowed"),
        ("{% extends 'x' %}", "line 1: 'extends' is not allowed"),
        ("{% macro m() %}x{% endmacro %}", "line 1: 'macro' is not allowed"),
        ("{{ 9**9**9 }}", "line 1: '**' is not allowed"),
        ("{{ name * 1000000000 }}", "line 1: '*' is not allowed"),
        ("{{ '%0999999999d' % 1 }}", "line 1: '%' is not allowed"),
        ("{{ '{:>999999999}'.format(1) }}", "line 1: 'a call' is not allowed"),
        ("{% for d in days recursive %}{{ loop(days) }}{% endfor %}", "line 1: a 'recursive' loop"),
        (
            "{% for a in days %}\n{% for b in days %}{{ b.points }}{% endfor %}{% endfor %}",
            "line 1: a 'recursive' loop or a loop in a loop is not allowed",
        ),
        ("{{ cycler }}{{ range(3) }}", "line 1: 'cycler' is not a variable"),
    ],
)
def test_a_staff_version_uses_only_its_variables_and_known_filters(
    text: str, reason: str | None
) -> None:
    tree = Environment().parse(text)
    found = domain.refusal(tree, "points_expiring", DECLARED)
    assert found == reason if reason is None else (found or "").startswith(reason)


def test_sent_values_take_the_samples_kinds() -> None:
    sample = [{"day": date(2026, 12, 31), "points": 500}]
    sent = [{"day": "2027-01-05", "points": 780}]
    assert domain.coerce(sample, sent) == [{"day": date(2027, 1, 5), "points": 780}]
    assert domain.coerce(date(2026, 1, 1), "2027-03-31") == date(2027, 3, 31)
    assert domain.coerce(1280, "x") == "x"  # rendering refuses it, naming the filter
    with pytest.raises(ValueError, match="isoformat"):
        domain.coerce(date(2026, 1, 1), "31/03/2027")
    with pytest.raises(ValueError, match="at most 100 items"):
        domain.coerce(sample, sent * 101)


def test_points_are_integers_with_thousands_separators() -> None:
    assert domain.format_points(12_800) == "12,800"
    for value in (1.5, True, "12"):
        with pytest.raises(TypeError, match="integer"):
            domain.format_points(value)


def test_fen_are_written_as_yuan_with_the_fen_only_when_there_are_some() -> None:
    assert domain.format_yuan(2_000) == "20"
    assert domain.format_yuan(1_250) == "12.50"
    assert domain.format_yuan(5) == "0.05"
    assert domain.format_yuan(123_456_700) == "1,234,567"
    assert domain.format_yuan(-1_205) == "-12.05"
    for value in (20.5, True, "2000"):
        with pytest.raises(TypeError, match="integer of fen"):
            domain.format_yuan(value)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_yuan_read_back_are_the_fen_written(fen: int) -> None:
    shown = domain.format_yuan(fen)
    assert round(Decimal(shown.replace(",", "")) * 100) == fen


def test_days_are_written_in_the_members_language() -> None:
    assert domain.format_day(date(2026, 12, 31), "zh-CN") == "2026年12月31日"
    assert domain.format_day(date(2027, 1, 5), "zh-CN") == "2027年1月5日"
    assert domain.format_day(date(2027, 1, 5), "en") == "5 Jan 2027"
    assert domain.format_day(date(2026, 5, 20), "en") == "20 May 2026"
    # an instant has no day until it is placed in the brand's timezone, which is not ours
    for value in ("2026-12-31", datetime(2026, 12, 31, 16)):
        with pytest.raises(TypeError, match="a day must be a date"):
            domain.format_day(value, "en")

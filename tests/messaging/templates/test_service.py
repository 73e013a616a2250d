from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from services.messaging.templates import domain, service

CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {"name": "李雷", "card_number": "8860000000013"},
    "points_earned": {"name": "李雷", "points": 1280, "balance": 13500},
    "tier_upgrade": {"name": "李雷", "tier_name": "金卡"},
}


@pytest.mark.parametrize("locale", domain.LOCALES)
@pytest.mark.parametrize("template", domain.TEMPLATES)
def test_every_template_renders_in_both_channels(locale: str, template: str) -> None:
    context = CONTEXTS[template]
    email = service.render(template, locale, "email", context)  # type: ignore[arg-type]
    sms = service.render(template, locale, "sms", context)  # type: ignore[arg-type]
    assert email.subject
    assert "Subject" not in email.body
    assert sms.subject is None
    for rendered in (email, sms):
        assert "李雷" in rendered.body
        assert "{{" not in rendered.body
        for value in context.values():
            if isinstance(value, int):
                assert f"{value:,}" in rendered.body


def test_chinese_points_message() -> None:
    sms = service.render("points_earned", "zh-CN", "sms", CONTEXTS["points_earned"])
    assert sms.body.startswith("李雷，本次消费获得 1,280 积分，当前积分余额 13,500。")
    email = service.render("points_earned", "zh-CN", "email", CONTEXTS["points_earned"])
    assert email.subject == "您获得了 1,280 积分"


def test_english_tier_upgrade_message() -> None:
    email = service.render("tier_upgrade", "en", "email", {"name": "Lei", "tier_name": "Gold"})
    assert email.subject == "Congratulations, you are now Gold!"
    assert email.body.startswith("Hi Lei,")


def test_unknown_locale_falls_back_to_chinese() -> None:
    sms = service.render("welcome", "fr", "sms", CONTEXTS["welcome"])
    assert "欢迎加入会员" in sms.body


def test_a_missing_variable_fails_loudly() -> None:
    with pytest.raises(UndefinedError, match="balance"):
        service.render("points_earned", "en", "sms", {"name": "Lei", "points": 10})


def test_points_must_be_integers() -> None:
    with pytest.raises(TypeError, match="integer"):
        service.render("points_earned", "en", "sms", {"name": "L", "points": 1.5, "balance": 2})


def test_templates_are_sandboxed() -> None:
    unsafe = service._environment().from_string("{{ name.__class__.__mro__ }}")
    with pytest.raises(SecurityError):
        unsafe.render(name="x")


# every text variable of every template, with the value the member or loyalty sent
TEXT_VARIABLES = [
    (template, name)
    for template, context in CONTEXTS.items()
    for name, value in context.items()
    if isinstance(value, str)
]
LINE_BREAKS = {
    "LF": "\n",
    "CR": "\r",
    "CRLF": "\r\n",
    "NEL": "\x85",
    "LS": "\u2028",
    "PS": "\u2029",
    "VT": "\v",
    "FF": "\f",
}


@pytest.mark.parametrize("locale", domain.LOCALES)
@pytest.mark.parametrize(("template", "variable"), TEXT_VARIABLES)
@pytest.mark.parametrize("brk", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_a_line_break_in_a_variable_reaches_neither_a_subject_nor_an_sms(
    locale: str, template: str, variable: str, brk: str
) -> None:
    context = dict(CONTEXTS[template])
    context[variable] = f"{context[variable]}{brk}Bcc: x@example.com"
    email = service.render(template, locale, "email", context)  # type: ignore[arg-type]
    sms = service.render(template, locale, "sms", context)  # type: ignore[arg-type]
    for one_line in (email.subject or "", sms.body):
        assert not any(char in one_line for char in "\n\r\x85\u2028\u2029\v\f"), one_line
    assert "Bcc: x@example.com" in sms.body  # nothing cut: the value reads on one line
    # no part of the value was split off onto a line of its own
    assert not any(line.startswith("Bcc") for line in email.body.splitlines())


def test_the_tier_name_reads_on_one_line_in_the_subject() -> None:
    email = service.render(
        "tier_upgrade", "en", "email", {"name": "Lei", "tier_name": "Gold\r\nBcc: x@example.com"}
    )
    assert email.subject == "Congratulations, you are now Gold Bcc: x@example.com!"
    assert email.body.startswith("Hi Lei,\n\nCongratulations!")

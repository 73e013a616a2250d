from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from services.messaging import domain, templates
from services.messaging.config import Settings
from services.messaging.providers.email import build_message

CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {"name": "李雷", "card_number": "8860000000013"},
    "points_earned": {"name": "李雷", "points": 1280, "balance": 13500},
    "tier_upgrade": {"name": "李雷", "tier_name": "金卡"},
}


@pytest.mark.parametrize("locale", domain.LOCALES)
@pytest.mark.parametrize("template", domain.TEMPLATES)
def test_every_template_renders_in_both_channels(locale: str, template: str) -> None:
    context = CONTEXTS[template]
    email = templates.render(template, locale, "email", context)  # type: ignore[arg-type]
    sms = templates.render(template, locale, "sms", context)  # type: ignore[arg-type]
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
    sms = templates.render("points_earned", "zh-CN", "sms", CONTEXTS["points_earned"])
    assert sms.body.startswith("李雷，本次消费获得 1,280 积分，当前积分余额 13,500。")
    email = templates.render("points_earned", "zh-CN", "email", CONTEXTS["points_earned"])
    assert email.subject == "您获得了 1,280 积分"


def test_english_tier_upgrade_message() -> None:
    email = templates.render("tier_upgrade", "en", "email", {"name": "Lei", "tier_name": "Gold"})
    assert email.subject == "Congratulations, you are now Gold!"
    assert email.body.startswith("Hi Lei,")


def test_unknown_locale_falls_back_to_chinese() -> None:
    sms = templates.render("welcome", "fr", "sms", CONTEXTS["welcome"])
    assert "欢迎加入会员" in sms.body


def test_a_missing_variable_fails_loudly() -> None:
    with pytest.raises(UndefinedError, match="balance"):
        templates.render("points_earned", "en", "sms", {"name": "Lei", "points": 10})


def test_points_must_be_integers() -> None:
    with pytest.raises(TypeError, match="integer"):
        templates.render("points_earned", "en", "sms", {"name": "L", "points": 1.5, "balance": 2})


def test_templates_are_sandboxed() -> None:
    unsafe = templates._environment().from_string("{{ name.__class__.__mro__ }}")
    with pytest.raises(SecurityError):
        unsafe.render(name="x")


def test_suppression_reasons() -> None:
    assert domain.suppression_reason("sms", consent=True, address="13812345678") is None
    assert "consented" in str(domain.suppression_reason("email", consent=False, address="a@b.c"))
    assert "no email address" in str(domain.suppression_reason("email", consent=True, address=None))


def test_only_upgrades_and_gains_notify() -> None:
    assert domain.notifies_tier_change("up")
    assert not domain.notifies_tier_change("down")
    assert domain.notifies_points(1)
    assert not domain.notifies_points(0)


def test_retry_backoff_and_giving_up() -> None:
    assert domain.retry_delay(1, 5) == timedelta(seconds=5)
    assert domain.retry_delay(3, 5) == timedelta(seconds=20)
    assert domain.retry_delay(30, 5) == timedelta(hours=1)
    assert not domain.gives_up(4, 5, permanent=False)
    assert domain.gives_up(5, 5, permanent=False)
    assert domain.gives_up(1, 5, permanent=True)


def test_recipients_are_masked() -> None:
    assert domain.mask_recipient("sms", "13812345678") == "138****5678"
    assert domain.mask_recipient("email", "lilei@example.com") == "l****@example.com"


def test_email_carries_the_notification_id_as_message_id() -> None:
    notification_id = uuid.uuid4()
    message = build_message(Settings(), notification_id, "lilei@example.com", "您好", "正文")
    assert message["Message-ID"] == f"<{notification_id}@huiyuan.local>"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().strip() == "正文"

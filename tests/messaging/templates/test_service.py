from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from services.messaging.notifications.domain import Dated
from services.messaging.templates import domain, rendering, service
from shared.events.customer import Locale
from shared.events.messaging import Channel


def render(
    template: str,
    locale: str,
    channel: str,
    context: dict[str, Any],
    *,
    marketing: bool = False,
    texts: rendering.Published = rendering.DEFAULTS,
) -> rendering.Rendered:
    return rendering.render(template, locale, channel, context, marketing=marketing, texts=texts)  # type: ignore[arg-type]


EXPIRING_DAYS = [Dated(date(2026, 12, 31), 500), Dated(date(2027, 1, 5), 780)]
CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {"name": "李雷", "card_number": "8860000000013"},
    "points_earned": {"name": "李雷", "points": 1280, "balance": 13500},
    "points_digest": {"name": "李雷", "points": 1280, "balance": 13500, "day": date(2026, 11, 30)},
    "points_expiring": {"name": "李雷", "points": 1280, "days": EXPIRING_DAYS},
    "points_expired": {"name": "李雷", "points": 1280, "balance": 13500},
    "tier_upgrade": {"name": "李雷", "tier_name": "金卡"},
    "tier_downgrade": {"name": "李雷", "tier_name": "银卡", "review_on": date(2027, 12, 31)},
    "tier_manual": {"name": "李雷", "tier_name": "金卡", "until": date(2027, 3, 31)},
    "reward_ordered": {
        "name": "李雷",
        "item": "环保袋",
        "quantity": 2,
        "points": 4000,
        "balance": 1200,
    },
    "reward_fulfilled": {"name": "李雷", "item": "环保袋", "quantity": 2, "points": 4000},
    "reward_cancelled": {
        "name": "李雷",
        "item": "环保袋",
        "quantity": 2,
        "points": 4000,
        "balance": 5200,
    },
    "ticket_survey": {
        "name": "李雷",
        "number": 42,
        "survey_url": "https://huiyuan.local/tickets/3f9c/survey",
    },
    "first_purchase_welcome": {"name": "李雷"},
    "birthday_greeting": {
        "name": "李雷",
        "coupon": {"name": "生日礼券", "face_value_fen": 2000, "valid_until": date(2027, 3, 31)},
    },
    "holiday_greeting": {"name": "李雷", "holiday": "春节"},
    "win_back": {"name": "李雷", "days": 90},
    "coupon_granted": {
        "name": "李雷",
        "coupon_name": "满100减20",
        "face_value_fen": 2050,
        "valid_until": date(2026, 12, 31),
    },
    "ticket_escalated": {"name": "李雷", "number": 42},
    "coupon_expiring": {
        "name": "李雷",
        "coupon": "满200减30",
        "face_value_fen": 123_450,
        "valid_through": date(2026, 12, 31),
    },
    "referral_rewarded": {"name": "李雷", "reward_fen": 2_000},
    "draw_won": {"name": "李雷", "prize": "二等奖", "kind": "points", "points": 1280},
    "broadcast": {"name": "李雷"},
    "signin_code": {"code": "042917", "minutes": 5},  # no name: a new phone has none
}

NAMELESS = {"signin_code"}
"""Templates that do not greet by name: a sign-in code may go to a phone of no member yet."""


@pytest.mark.parametrize("locale", domain.LOCALES)
@pytest.mark.parametrize("template", domain.TEMPLATES)
def test_every_template_renders_in_both_channels(locale: str, template: str) -> None:
    context = CONTEXTS[template]
    email = render(template, locale, "email", context)
    sms = render(template, locale, "sms", context)
    assert email.subject
    assert "Subject" not in email.body
    assert sms.subject is None
    for rendered in (email, sms):
        assert template in NAMELESS or "李雷" in rendered.body
        assert "{{" not in rendered.body
        for name, value in context.items():
            if isinstance(value, int):  # an amount in fen is shown in yuan
                shown = domain.format_yuan(value) if name.endswith("_fen") else f"{value:,}"
                assert shown in rendered.body


def test_every_template_has_a_context_here() -> None:
    assert set(CONTEXTS) == set(domain.TEMPLATES)


def test_the_birthday_greeting_names_its_coupon_only_when_there_is_one() -> None:
    context = CONTEXTS["birthday_greeting"]
    assert render("birthday_greeting", "zh-CN", "sms", context).body == (
        "李雷，祝您生日快乐！我们为您准备了生日礼券（20元），有效期至2027年3月31日。"
    )
    assert render("birthday_greeting", "en", "sms", {**context, "coupon": None}).body == (
        "Happy birthday, 李雷!"
    )
    email = render("birthday_greeting", "zh-CN", "email", {**context, "coupon": None})
    assert "礼" not in email.body


def test_a_coupon_notice_reads_its_face_value_in_yuan() -> None:
    sms = render("coupon_granted", "zh-CN", "sms", CONTEXTS["coupon_granted"])
    assert sms.body == (
        "李雷，您获得了满100减20（20.50元），有效期至2026年12月31日，请在会员中心查看。"
    )


def test_expiring_points_name_each_last_valid_day() -> None:
    context = CONTEXTS["points_expiring"]
    sms = render("points_expiring", "zh-CN", "sms", context)
    assert sms.body == (
        "李雷，您有 1,280 积分即将过期：500 积分有效期至2026年12月31日，"
        "780 积分有效期至2027年1月5日。请及时使用！"
    )
    email = render("points_expiring", "en", "email", {**context, "name": "Lei"})
    assert email.subject == "1,280 of your points will expire soon"
    assert (
        "1,280 of your points will expire soon:\n\n"
        "- 500 points, valid until 31 Dec 2026\n"
        "- 780 points, valid until 5 Jan 2027\n\n"
    ) in email.body


def test_a_downgrade_is_worded_gently_and_names_the_period_the_tier_is_kept_for() -> None:
    base = {"name": "Lei", "tier_name": "Bronze", "review_on": None}
    sms = render("tier_downgrade", "en", "sms", base)
    assert sms.body.startswith(
        "Lei, thank you for being with us. Your membership tier is now Bronze, and every "
        "purchase counts toward a higher tier."
    )
    kept = render(
        "tier_downgrade",
        "en",
        "sms",
        base | {"tier_name": "Silver", "review_on": date(2027, 12, 31)},
    )
    assert kept.body.startswith(
        "Lei, thank you for being with us. Your membership tier is now Silver, yours at least "
        "until 31 Dec 2027, and every purchase counts toward a higher tier."
    )
    email = render("tier_downgrade", "zh-CN", "email", CONTEXTS["tier_downgrade"])
    assert email.subject == "您的会员等级已调整为银卡"
    assert "银卡的会员权益即日起适用，至少保留至2027年12月31日。" in email.body
    assert "降" not in email.body + (email.subject or "")


def test_a_manual_tier_names_its_last_day_or_says_the_assignment_ended() -> None:
    assigned = render("tier_manual", "zh-CN", "sms", CONTEXTS["tier_manual"])
    assert assigned.body == (
        "李雷，您的会员等级已设为金卡，有效期至2027年3月31日，相应权益即刻生效。"
    )
    ended = render(
        "tier_manual", "en", "email", {"name": "Lei", "tier_name": "Silver", "until": None}
    )
    assert ended.subject == "Your membership tier is now Silver"
    assert ended.body.startswith(
        "Hi Lei,\n\nYour special tier has ended, and your purchases make you a Silver member."
    )
    assert "until" not in ended.body


def test_reward_order_messages() -> None:
    ordered = render("reward_ordered", "zh-CN", "sms", CONTEXTS["reward_ordered"])
    assert ordered.body == "李雷，您已使用 4,000 积分兑换环保袋 × 2，当前积分余额 1,200。"
    cancelled = render(
        "reward_cancelled", "en", "email", {**CONTEXTS["reward_cancelled"], "name": "Lei"}
    )
    assert cancelled.subject == "Your reward order was cancelled: 2 × 环保袋"
    assert "its 4,000 points are back in your account. Your balance is now 5,200" in (
        cancelled.body
    )


def test_chinese_points_message() -> None:
    sms = render("points_earned", "zh-CN", "sms", CONTEXTS["points_earned"])
    assert sms.body.startswith("李雷，本次消费获得 1,280 积分，当前积分余额 13,500。")
    email = render("points_earned", "zh-CN", "email", CONTEXTS["points_earned"])
    assert email.subject == "您获得了 1,280 积分"


def test_english_tier_upgrade_message() -> None:
    email = render("tier_upgrade", "en", "email", {"name": "Lei", "tier_name": "Gold"})
    assert email.subject == "Congratulations, you are now Gold!"
    assert email.body.startswith("Hi Lei,")


def test_unknown_locale_falls_back_to_chinese() -> None:
    sms = render("welcome", "fr", "sms", CONTEXTS["welcome"])
    assert "欢迎加入会员" in sms.body


def test_a_missing_variable_fails_loudly() -> None:
    with pytest.raises(UndefinedError, match="balance"):
        render("points_earned", "en", "sms", {"name": "Lei", "points": 10})


def test_points_must_be_integers() -> None:
    with pytest.raises(TypeError, match="integer"):
        render("points_earned", "en", "sms", {"name": "L", "points": 1.5, "balance": 2})


def test_templates_are_sandboxed() -> None:
    unsafe = rendering._environment().from_string("{{ name.__class__.__mro__ }}")
    with pytest.raises(SecurityError):
        unsafe.render(name="x")


SELECTORS = {("draw_won", "kind")}
"""Text variables a template compares and never prints (which wording it takes)."""
# every text variable of every template, with the value the member or loyalty sent
TEXT_VARIABLES = [
    (template, name)
    for template, context in CONTEXTS.items()
    for name, value in context.items()
    if isinstance(value, str) and (template, name) not in SELECTORS
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
    email = render(template, locale, "email", context)
    sms = render(template, locale, "sms", context)
    for one_line in (email.subject or "", sms.body):
        assert not any(char in one_line for char in "\n\r\x85\u2028\u2029\v\f"), one_line
    assert "Bcc: x@example.com" in sms.body  # nothing cut: the value reads on one line
    # no part of the value was split off onto a line of its own
    assert not any(line.startswith("Bcc") for line in email.body.splitlines())


def test_the_tier_name_reads_on_one_line_in_the_subject() -> None:
    email = render(
        "tier_upgrade", "en", "email", {"name": "Lei", "tier_name": "Gold\r\nBcc: x@example.com"}
    )
    assert email.subject == "Congratulations, you are now Gold Bcc: x@example.com!"
    assert email.body.startswith("Hi Lei,\n\nCongratulations!")


@pytest.mark.parametrize("locale", domain.LOCALES)
@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("template", domain.TEMPLATES)
def test_every_default_passes_what_a_staff_version_must(
    template: domain.Template, channel: Channel, locale: Locale
) -> None:
    """The catalog declares every variable the defaults use, and its samples render them."""
    key = (template, channel, locale)
    service.check(key, rendering.default_text(*key))


def test_a_staff_version_that_fails_on_a_members_values_sends_the_default(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key: rendering.Key = ("tier_manual", "sms", "en")
    texts = rendering.Published(1, {key: (1, "{{ name }}: {{ tier_name }} until {{ until|day }}")})
    ended = {"name": "Lei", "tier_name": "Silver", "until": None, "review_on": None}
    assigned = ended | {"until": date(2027, 3, 31)}

    assert render("tier_manual", "en", "sms", assigned, texts=texts).body == (
        "Lei: Silver until 31 Mar 2027"
    )
    assert render("tier_manual", "en", "sms", ended, texts=texts) == render(
        "tier_manual", "en", "sms", ended
    )
    assert "staff version of tier_manual/sms/en failed, sending the default" in caplog.text

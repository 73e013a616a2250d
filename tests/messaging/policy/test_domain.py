"""Pure rules of the policy: classes, quiet hours, the member's timezone, the points
message, and what holds marketing back."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.messaging.policy import domain
from services.messaging.policy.domain import Cap, PointsMessage, QuietHours
from services.messaging.templates.domain import CLASS_OF, TEMPLATES, message_class

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(21), time(8))
CAP = Cap(2, 7)


def test_every_template_has_a_class_and_the_seeds_marketing_is_marketing() -> None:
    assert set(CLASS_OF) == set(TEMPLATES)
    assert message_class("welcome") == "marketing"
    assert message_class("ticket_survey") == "marketing"
    assert message_class("broadcast") == "marketing"
    assert message_class("points_earned") == "transactional"
    assert message_class("tier_downgrade") == "transactional"
    assert message_class("birthday") == "marketing"  # a key not classed yet
    assert set(domain.MARKETING_TEMPLATES) == {
        "welcome",
        "ticket_survey",
        "first_purchase_welcome",
        "birthday_greeting",
        "holiday_greeting",
        "win_back",
        "broadcast",
    }
    assert message_class("coupon_granted") == "transactional"


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2026, 11, 30, 21, 0), datetime(2026, 12, 1, 8, 0)),
        (datetime(2026, 11, 30, 23, 59), datetime(2026, 12, 1, 8, 0)),
        (datetime(2026, 12, 1, 0, 0), datetime(2026, 12, 1, 8, 0)),
        (datetime(2026, 12, 1, 7, 59), datetime(2026, 12, 1, 8, 0)),
        (datetime(2026, 12, 1, 8, 0), None),
        (datetime(2026, 12, 1, 20, 59), None),
    ],
)
def test_quiet_hours_past_midnight_end_the_next_morning(
    local: datetime, until: datetime | None
) -> None:
    now = local.replace(tzinfo=SHANGHAI).astimezone(UTC)
    expected = until.replace(tzinfo=SHANGHAI) if until else None
    assert NIGHT.until(now, SHANGHAI) == expected


def test_quiet_hours_within_a_day_end_the_same_day() -> None:
    lunch = QuietHours(time(12), time(14))
    assert lunch.until(datetime(2026, 11, 30, 12, 30, tzinfo=SHANGHAI), SHANGHAI) == datetime(
        2026, 11, 30, 14, tzinfo=SHANGHAI
    )
    assert lunch.until(datetime(2026, 11, 30, 14, 0, tzinfo=SHANGHAI), SHANGHAI) is None
    assert lunch.until(datetime(2026, 11, 30, 11, 59, tzinfo=SHANGHAI), SHANGHAI) is None


def test_quiet_hours_are_read_on_the_members_clock() -> None:
    # 02:00 UTC is 10:00 in Shanghai and 21:00 the evening before in New York
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert NIGHT.until(now, SHANGHAI) is None
    assert NIGHT.until(now, NEW_YORK) == datetime(2026, 12, 1, 8, 0, tzinfo=NEW_YORK)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_a_deferral_ends_after_now_and_outside_the_quiet_hours(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    for zone in (SHANGHAI, NEW_YORK):
        until = NIGHT.until(now, zone)
        if until is None:
            continue
        assert now < until <= now + timedelta(hours=12)  # 11 h, one more across DST
        assert NIGHT.until(until, zone) is None


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        ("+8613912345678", "Asia/Shanghai"),
        ("+12015550123", "America/New_York"),  # New Jersey: one zone
        ("+15555550123", "Europe/London"),  # no known zone: the brand's
        ("+79991234567", "Europe/London"),  # Russian mobiles span eleven zones
        (None, "Europe/London"),  # no phone number
        ("not a number", "Europe/London"),
    ],
)
def test_the_members_timezone_is_their_numbers_one_zone_else_the_brands(
    phone: str | None, zone: str
) -> None:
    assert str(domain.member_zone(phone, ZoneInfo("Europe/London"))) == zone


@pytest.mark.parametrize(
    ("text", "sms", "email", "small"),
    [
        ("each_sale", None, None, None),
        ("off", domain.POINTS_OFF, domain.POINTS_OFF, domain.POINTS_OFF),
        ("email_only", domain.POINTS_EMAIL_ONLY, None, None),
        ("above:500", None, None, domain.POINTS_BELOW),
        ("daily_digest", domain.POINTS_IN_DIGEST, domain.POINTS_IN_DIGEST, domain.POINTS_IN_DIGEST),
    ],
)
def test_each_points_message_mode_withholds_what_it_says(
    text: str, sms: str | None, email: str | None, small: str | None
) -> None:
    message = PointsMessage.parse(text)
    assert str(message) == text
    assert message.withheld("sms", 500) == sms
    assert message.withheld("email", 500) == email
    assert message.withheld("email", 499) == small


@pytest.mark.parametrize("text", ["above:0", "above:", "above:-5", "ABOVE:5", "every", ""])
def test_an_unknown_points_message_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="points_message"):
        PointsMessage.parse(text)


def _reason(
    *, consent: bool = True, duplicate: bool = False, in_period: int = 1, cap: Cap | None = CAP
) -> str | None:
    return domain.marketing_reason(
        "sms", consent=consent, duplicate=duplicate, in_period=in_period, cap=cap
    )


def test_marketing_needs_consent_and_stays_unique_and_under_the_cap() -> None:
    assert _reason() is None
    assert _reason(consent=False) == "member has not consented to marketing on sms"
    assert _reason(duplicate=True) == domain.DUPLICATE
    assert _reason(in_period=2) == domain.FREQUENCY_CAP
    assert _reason(in_period=9, cap=None) is None


def test_every_reason_fits_its_column() -> None:
    reasons = [
        domain.DUPLICATE,
        domain.FREQUENCY_CAP,
        domain.QUIET_HOURS,
        domain.POINTS_OFF,
        domain.POINTS_EMAIL_ONLY,
        domain.POINTS_BELOW,
        domain.POINTS_IN_DIGEST,
        domain.no_marketing_consent("email"),
    ]
    assert max(len(reason) for reason in reasons) <= domain.REASON_LENGTH

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.messaging.contacts.domain import Reach
from services.messaging.notifications import domain
from services.messaging.notifications.domain import Dated
from shared.events.loyalty import ExpiringLotNotice, TierChange

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_suppression_reasons() -> None:
    assert domain.suppression_reason("sms", Reach(True, "13812345678")) is None
    assert "consented" in str(domain.suppression_reason("email", Reach(False, "a@b.c")))
    assert "no email address" in str(domain.suppression_reason("email", Reach(True, None)))


def test_only_gains_notify() -> None:
    assert domain.notifies_points(1)
    assert not domain.notifies_points(0)


@pytest.mark.parametrize(
    ("change", "direction", "template"),
    [
        ("upgrade", "up", "tier_upgrade"),
        ("downgrade", "down", "tier_downgrade"),
        ("manual", "up", "tier_manual"),
        ("manual", "down", "tier_manual"),
        (None, "up", "tier_upgrade"),  # published before kinds existed
        (None, "down", "tier_downgrade"),
    ],
)
def test_a_tier_change_is_worded_by_its_kind(
    change: TierChange | None, direction: str, template: str
) -> None:
    assert domain.tier_template(change, direction) == template  # type: ignore[arg-type]


def test_the_last_day_before_an_end_at_the_brands_midnight() -> None:
    # staff's assignment "until 2027-03-31" ends at the next Shanghai midnight
    end = datetime(2027, 4, 1, tzinfo=SHANGHAI).astimezone(UTC)
    assert end == datetime(2027, 3, 31, 16, tzinfo=UTC)
    assert domain.last_day(end, SHANGHAI) == date(2027, 3, 31)
    assert domain.last_day(end + timedelta(microseconds=1), SHANGHAI) == date(2027, 4, 1)


def _lot(points: int, valid_through: date) -> ExpiringLotNotice:
    expires_at = datetime.combine(valid_through + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return ExpiringLotNotice(
        lot_id=uuid.uuid4(), points=points, expires_at=expires_at, valid_through=valid_through
    )


def test_expiring_points_are_added_up_per_last_valid_day_earliest_first() -> None:
    lots = [
        _lot(300, date(2027, 1, 5)),
        _lot(200, date(2026, 12, 31)),
        _lot(400, date(2027, 1, 5)),
        _lot(50, date(2026, 12, 31)),
    ]
    assert domain.expiring_by_day(lots) == [
        Dated(date(2026, 12, 31), 250),
        Dated(date(2027, 1, 5), 700),
    ]
    assert domain.expiring_by_day([]) == []


def test_retry_backoff_and_giving_up() -> None:
    assert domain.retry_delay(1, 5) == timedelta(seconds=5)
    assert domain.retry_delay(3, 5) == timedelta(seconds=20)
    assert domain.retry_delay(30, 5) == timedelta(hours=1)
    assert domain.retry_delay(10**6, 5) == timedelta(hours=1)  # no float overflow
    assert not domain.gives_up(4, 5, permanent=False)
    assert domain.gives_up(5, 5, permanent=False)
    assert domain.gives_up(1, 5, permanent=True)


def test_recipients_are_masked() -> None:
    assert domain.mask_recipient("sms", "13812345678") == "138****5678"
    assert domain.mask_recipient("email", "lilei@example.com") == "l****@example.com"


def test_what_a_provider_says_is_kept_on_one_line_within_its_column() -> None:
    said = "550 refused\x00\r\nX-Injected: 1\u2028" + "x" * 3000
    kept = domain.provider_text(said, domain.MAX_ERROR_LENGTH)
    assert kept.startswith("550 refused X-Injected: 1 xxx")
    assert len(kept) == domain.MAX_ERROR_LENGTH
    assert kept.endswith("x…")
    assert domain.provider_text("<id@huiyuan.local>", 255) == "<id@huiyuan.local>"


_SENT_AT = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "said", "at", "after"),
    [
        (("sent", None), "delivered", _SENT_AT, ("delivered", _SENT_AT)),
        (("sent", None), "failed", _SENT_AT, ("undelivered", _SENT_AT)),
        (
            ("delivered", _SENT_AT),
            "unknown",
            _SENT_AT + timedelta(1),
            ("delivered", _SENT_AT + timedelta(1)),
        ),
        (("delivered", _SENT_AT), "failed", _SENT_AT, ("undelivered", _SENT_AT)),  # same time
        (("undelivered", _SENT_AT), "delivered", _SENT_AT - timedelta(1), None),  # older
    ],
)
def test_a_receipt_applies_unless_a_later_one_was(
    before: tuple[domain.Status, datetime | None],
    said: domain.ReceiptStatus,
    at: datetime,
    after: tuple[domain.Status, datetime] | None,
) -> None:
    sms = domain.Receipted(uuid.uuid4(), *before)
    applied = domain.after_receipt(sms, said, at)
    if after is None:
        assert applied == sms
    else:
        assert (applied.notification_id, applied.status, applied.receipt_at) == (
            sms.notification_id,
            *after,
        )

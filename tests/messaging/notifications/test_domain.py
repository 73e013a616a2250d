from __future__ import annotations

from datetime import timedelta

from services.messaging.contacts.domain import Reach
from services.messaging.notifications import domain


def test_suppression_reasons() -> None:
    assert domain.suppression_reason("sms", Reach(True, "13812345678")) is None
    assert "consented" in str(domain.suppression_reason("email", Reach(False, "a@b.c")))
    assert "no email address" in str(domain.suppression_reason("email", Reach(True, None)))


def test_only_upgrades_and_gains_notify() -> None:
    assert domain.notifies_tier_change("up")
    assert not domain.notifies_tier_change("down")
    assert domain.notifies_points(1)
    assert not domain.notifies_points(0)


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

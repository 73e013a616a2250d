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


def test_what_a_provider_says_is_kept_on_one_line_within_its_column() -> None:
    said = "550 refused\x00\r\nX-Injected: 1\u2028" + "x" * 3000
    kept = domain.provider_text(said, domain.MAX_ERROR_LENGTH)
    assert kept.startswith("550 refused X-Injected: 1 xxx")
    assert len(kept) == domain.MAX_ERROR_LENGTH
    assert kept.endswith("x…")
    assert domain.provider_text("<id@huiyuan.local>", 255) == "<id@huiyuan.local>"

"""Settings are bounded where they are read: a value no code path can use stops the start."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.messaging.config import Settings

REFUSED: dict[str, list[Any]] = {
    "smtp_port": [0, 65536],
    "delivery_max_attempts": [0, 101, 2**31],
    "delivery_batch_size": [0, 10_001],
    "delivery_concurrency": [0, 1_001],
    "smtp_connections": [0, 101],
    "delivery_retry_backoff_seconds": [0, -1, 3601, float("inf")],
    "delivery_timeout_seconds": [0, 301],
    "mail_from": ["", "   ", "Huiyuan\r\nBcc: x@example.com", "a" * 321],
    "sms_sign": ["", "Hui\nyuan", "Huiyuan\x00", "签" * 33],
    "ticket_survey_url": ["https://example.com/survey", "https://x/{ticket_id}\nx", ""],
}


@pytest.mark.parametrize(
    ("field", "value"),
    [(field, value) for field, values in REFUSED.items() for value in values],
)
def test_a_setting_out_of_its_bounds_is_refused_naming_it(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate({field: value})
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


def test_the_defaults_are_within_bounds() -> None:
    settings = Settings()
    assert (settings.delivery_max_attempts, settings.sms_sign) == (5, "Huiyuan")


def test_a_lease_too_short_for_a_send_is_refused() -> None:
    """A send (an SMTP connect and send: twice the timeout) must fit in the lease with a
    third of it left for waiting on a connection, or no message would ever start."""
    Settings(delivery_timeout_seconds=10, delivery_lease_seconds=30)
    with pytest.raises(ValidationError, match="delivery_lease_seconds must be at least three"):
        Settings(delivery_timeout_seconds=10, delivery_lease_seconds=29)

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from services.messaging.webhooks import domain
from shared.settings import Environment


@pytest.mark.parametrize(
    ("url", "environment", "refused"),
    [
        ("http://127.0.0.1:8080/hooks", "development", None),
        ("http://localhost/hooks", "test", None),
        ("https://crm.example.com/hooks", "production", None),
        ("http://crm.example.com/hooks", "production", "must use https in production"),
        ("https://localhost/hooks", "production", "must not name this machine"),
        ("https://crm.internal/hooks", "production", "must not name this machine"),
        ("https://10.0.0.7/hooks", "production", "must not be a loopback, private"),
        ("https://[::1]/hooks", "production", "must not be a loopback, private"),
        ("https://169.254.169.254/latest", "production", "must not be a loopback, private"),
        ("ftp://example.com/x", "development", "must be an http or https URL"),
        ("https:///nohost", "development", "must be an http or https URL"),
        ("https://a:b@example.com/", "development", "must not carry a user or password"),
        ("https://example.com:99999/", "development", "is not a URL"),
        ("https://example.com/" + "x" * 2048, "development", "is longer than 2048"),
    ],
)
def test_which_urls_may_receive_webhooks(
    url: str, environment: Environment, refused: str | None
) -> None:
    found = domain.url_refusal(url, environment)
    if refused is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(refused)


def test_documentation_addresses_are_refused_in_production_too() -> None:
    # 203.0.113.0/24 is reserved for documentation: not a global address
    assert domain.url_refusal("https://203.0.113.9/hooks", "production") is not None


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0.01, max_value=3600))
def test_a_retry_waits_between_half_and_all_of_the_doubled_delay_up_to_a_day(
    attempts: int, first: float
) -> None:
    ceiling = min(first * 2 ** (attempts - 1), 86_400.0)
    delay = domain.retry_delay(attempts, first, random.Random(attempts)).total_seconds()
    assert ceiling / 2 <= delay <= ceiling + 1e-6


def test_retries_spread_out_rather_than_arriving_together() -> None:
    rng = random.Random(7)
    delays = {domain.retry_delay(3, 60, rng) for _ in range(20)}
    assert len(delays) == 20
    assert all(timedelta(minutes=2) <= d <= timedelta(minutes=4) for d in delays)


def test_each_secret_signs_and_the_library_verifies_either() -> None:
    old, new = domain.new_secret(), domain.new_secret()
    at = datetime.now(UTC)
    headers = domain.signed_headers([new, old], "9e8d7c6b", at, '{"id":"1"}')

    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert [s.split(",")[0] for s in headers["webhook-signature"].split(" ")] == ["v1", "v1"]
    for secret in (old, new):
        assert Webhook(secret).verify('{"id":"1"}', headers) == {"id": "1"}
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(domain.new_secret()).verify('{"id":"1"}', headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(new).verify('{"id":"2"}', headers)

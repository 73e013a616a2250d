"""Settings are bounded where they are read: a value no code path can use stops the start."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.messaging.config import DEV_SMS_API_KEY, DEV_SMS_RECEIPT_SECRETS, Settings
from shared.keys import MESSAGING_ISSUER, generate_ring

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
    "unsubscribe_url": ["https://example.com/unsubscribe", "https://x/{token}\nx", ""],
    "unsubscribe_mailto": ["", "out@x\r\nBcc: y@x"],
    "sms_webhook_secret": ["whsec_", "whsec_not base64!", ""],
    "email_bounce_secret": ["whsec_", "whsec_not base64!", ""],
    "sms_price_fen_per_segment": [-1, 10_001],
    "sms_receipt_secret": ["", "whsec_", "x"],
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


JWKS_URL = "http://customer:8001/.well-known/jwks.json"
SECRETS = {
    "sms_api_key": "a-real-key",
    "sms_webhook_secret": "whsec_cmVhbC1zZWNyZXQ=",
    "email_bounce_secret": "whsec_cmVhbC1ib3VuY2Utc2VjcmV0",
    "unsubscribe_key": "a-real-unsubscribe-key",
    "unsubscribe_url": "https://brand.example/unsubscribe/{token}",
    "sms_receipt_secret": "whsec_cmVhbC1yZWNlaXB0LXNlY3JldA==",
}


@pytest.mark.parametrize("kept", [*SECRETS, None])
def test_production_refuses_each_development_secret_and_a_plain_http_link(
    kept: str | None,
) -> None:
    chosen = {name: value for name, value in SECRETS.items() if name != kept}
    production = {
        "environment": "production",
        "pii_key": "k" * 40,
        "jwks": [JWKS_URL],
        "signing_keys": generate_ring(MESSAGING_ISSUER).to_json(),
    }
    if kept is None:
        assert Settings.model_validate(production | chosen).unsubscribe_key
        return
    with pytest.raises(ValidationError, match=kept):
        Settings.model_validate(production | chosen)


PROVIDER = {
    "name": "primary",
    "url": "https://sms.example.com",
    "api_key": "k" * 32,
    "receipt_secret": "whsec_aHVpeXVhbi10ZXN0LXNlY3JldA==",
}


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"name": "Primary"}, ("sms_providers", 0, "name")),
        ({"name": "p" * 33}, ("sms_providers", 0, "name")),
        ({"url": "ftp://sms.example.com"}, ("sms_providers", 0, "url")),
        ({"price_fen_per_segment": -1}, ("sms_providers", 0, "price_fen_per_segment")),
        ({"receipt_secret": "whsec_"}, ("sms_providers", 0, "receipt_secret")),
    ],
)
def test_a_provider_out_of_bounds_is_refused_naming_it(
    change: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate({"sms_providers": [PROVIDER | change]})
    assert [error["loc"] for error in refused.value.errors()] == [loc]


def test_two_providers_of_one_name_are_refused() -> None:
    with pytest.raises(ValidationError, match="distinct names"):
        Settings.model_validate({"sms_providers": [PROVIDER, PROVIDER]})


def test_without_providers_the_gateway_setting_is_the_primary() -> None:
    settings = Settings(sms_gateway_url="https://sms.example.com", sms_price_fen_per_segment=8)
    [primary] = settings.sms_registry()
    assert (primary.name, primary.url, primary.price_fen_per_segment) == (
        "primary",
        "https://sms.example.com",
        8,
    )


@pytest.mark.parametrize(
    "values",
    [
        {"sms_api_key": "k" * 32},  # the development receipt secret
        {"sms_providers": [PROVIDER | {"receipt_secret": DEV_SMS_RECEIPT_SECRETS["fallback"]}]},
        {"sms_providers": [PROVIDER | {"api_key": DEV_SMS_API_KEY}]},
    ],
)
def test_production_refuses_development_sms_credentials(values: dict[str, Any]) -> None:
    production = {"environment": "production", "jwks": [JWKS_URL], "pii_key": "p" * 64}
    with pytest.raises(ValidationError, match="outside development"):
        Settings.model_validate(production | values)


def test_a_lease_too_short_for_a_send_is_refused() -> None:
    """A send (an SMTP connect and send: twice the timeout) must fit in the lease with a
    third of it left for waiting on a connection, or no message would ever start."""
    Settings(delivery_timeout_seconds=10, delivery_lease_seconds=30)
    with pytest.raises(ValidationError, match="delivery_lease_seconds must be at least three"):
        Settings(delivery_timeout_seconds=10, delivery_lease_seconds=29)

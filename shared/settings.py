"""Typed settings every service inherits.

Each service reads its own prefix (``CUSTOMER_DATABASE_URL``); values every service
shares, such as the PII key and the issuers' JWKS, may also be given once with the
``HUIYUAN_`` prefix.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shared.keys import KeyFileError, KeyRing
from shared.ratelimits import RateLimitText

DEV_PII_KEY = "huiyuan-development-pii-key-change-me"

_ORIGIN = re.compile(r"https?://[^/\s:]+(:\d{1,5})?")

Environment = Literal["development", "test", "production"]


class BaseServiceSettings(BaseSettings):
    """What every service needs to run: its database, the broker, secrets, tuning."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Environment = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    # Eight connections kept open, none opened past them: the same ceiling as 4 + 4
    # overflow, without overflow connections opened and closed under every burst (each a
    # new backend, plus asyncpg's type introspection per statement it prepares: 165
    # introspections in 20 s at 75 sales/s, none with 8 + 0; docs/performance.md)
    db_pool_size: int = 8
    db_max_overflow: int = 0
    # Off: a ping costs a round trip on every checkout. After a database restart the first
    # statement on each stale connection fails as transient (503 with Retry-After, or a
    # consumer retry) and SQLAlchemy then replaces every pooled connection.
    db_pool_pre_ping: bool = False
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_partitions: int = 3
    # Where the token issuers publish their public keys (JWKS, shared.jwks): http(s) URLs
    # (the issuers' /.well-known/jwks.json) or files, as a JSON list. Empty: the development
    # keys, refused in production
    jwks: list[str] = Field(default_factory=list)
    pii_key: SecretStr = SecretStr(DEV_PII_KEY)
    # Days (birthdays, "today", day-end loads) are counted in this IANA timezone
    business_timezone: str = "Asia/Shanghai"
    # A phone number typed without +country code is read as a number of this region (ISO
    # 3166 code); numbers are stored as E.164 whatever the region
    phone_default_region: str = "CN"
    # The brand's first trading day, in business_timezone: a sale dated earlier is refused,
    # so historical day-end loads can go back to it and no further
    earliest_trading_date: date = date(2000, 1, 1)
    # How far ahead of this server's clock a till's sale time may be, in seconds
    clock_skew_seconds: int = Field(default=300, ge=0, le=3600)
    outbox_batch_size: int = 500
    outbox_retention_hours: int = 168
    # The Kafka consumer group; the service's name when empty. Another name gives a copy of
    # the service a position of its own in the topics (the end-to-end tests use that).
    consumer_group_id: str = ""
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 5
    consumer_retry_backoff_seconds: float = 0.2
    # How long a partition is held while a handler waits for another event (AwaitingEvent)
    # before the waiting events are deferred (retried on their own while the partition
    # flows on: the missing event may sit behind them), and how long an event may wait in
    # all before it is parked; a republish after broker amnesia can take minutes to catch up.
    consumer_defer_after_seconds: float = 10.0
    consumer_await_event_seconds: float = 900.0
    # The embedded broker completes a group join only after the whole rebalance timeout,
    # so a short one makes consumers start (and restart) in about two seconds.
    consumer_session_timeout_ms: int = 6000
    consumer_heartbeat_interval_ms: int = 500
    consumer_rebalance_timeout_ms: int = 500
    # A consumer's batch gathers for up to consumer_fetch_max_wait_ms (the embedded broker
    # always waits that long; Apache Kafka until consumer_fetch_min_bytes are there). Every
    # batch is a transaction, an inbox claim and an offset commit however few events it
    # has, so a consumer off the latency targets' path waits longer (analytics)
    consumer_fetch_max_wait_ms: int = Field(default=50, ge=0, le=5_000)
    consumer_fetch_min_bytes: int = Field(default=1, ge=1, le=50 * 1024 * 1024)
    idempotency_retention_hours: int = 24
    # Stores upload a day's sales at day end, or after being offline for days, so they
    # may retry a sale long after the first attempt.
    store_idempotency_retention_hours: int = 168
    # A larger request body is refused with 413 before it is read. The largest legitimate
    # request, a batch of 1,000 sales, measures about 0.5 MiB with three lines a sale and
    # 1.1 MiB with ten (1.7 MiB pretty-printed), so 4 MiB leaves room to spare.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    log_level: str = "INFO"
    log_json: bool = True
    # Origins of the web frontends a browser may call this service from, e.g.
    # ["https://app.example.com"] (a JSON list in the environment); none by default
    cors_allow_origins: list[str] = []
    # Days an audit_log row is kept (staff changes, unmasked reads); PIPL sets no period for
    # access records, so about a year and a month lets a yearly review see a whole year.
    # Rows younger than 30 days are never purged (the table's trigger refuses it).
    audit_retention_days: int = Field(default=400, ge=30)
    # Proxies in front of the service whose X-Forwarded-For entries are trusted: the client
    # address audited is the entry the outermost of them appended; 0 = the peer's address
    trusted_proxies: int = Field(default=0, ge=0, le=10)
    # Wrong bearer tokens (bad signature, unknown kid, expired, malformed) tolerated per
    # client address before that address's unverified tokens are refused 429 without being
    # looked at; `limits` notation, counted per process (shared.ratelimits)
    bearer_failures_per_address: RateLimitText = "30/minute"
    # Strict-Transport-Security's max-age, where TLS ends in front of the service; 0 = not sent
    hsts_max_age_seconds: int = Field(default=0, ge=0)

    @field_validator("jwks", mode="before")
    @classmethod
    def _jwks_list(cls, value: object) -> object:
        """A JSON list (as an environment variable gives it) or comma-separated sources."""
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [s for s in text.split(",") if s]
        return value

    @field_validator("business_timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as unknown:
            raise ValueError(f"{name!r} is not a timezone of the tz database") from unknown
        return name

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: a browser sends scheme://host[:port], "
                    "without a path or a trailing slash"
                )
        return origins

    @field_validator("phone_default_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{region!r} is not a region phone numbers are known for")
        return region.upper()

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> BaseServiceSettings:
        if self.environment == "production":
            if not self.jwks:
                raise ValueError("jwks must name the token issuers' published keys in production")
            if self.pii_key.get_secret_value() == DEV_PII_KEY:
                raise ValueError("pii_key must be set outside development")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared_env = EnvSettingsSource(settings_cls, env_prefix="HUIYUAN_")
        return init_settings, env_settings, shared_env, dotenv_settings, file_secret_settings


class IssuerSettings(BaseServiceSettings):
    """A service that signs tokens (customer, orders): it alone holds its private keys."""

    # Its key ring (shared.keys): a file path (``huiyuan keys rotate`` writes one) or the
    # ring's JSON itself. Empty: the development ring, refused in production
    signing_keys: SecretStr = SecretStr("")

    @model_validator(mode="after")
    def _refuse_development_keys_in_production(self) -> IssuerSettings:
        if self.environment != "production":
            return self
        value = self.signing_keys.get_secret_value()
        try:
            ring = KeyRing.from_json(value if value.startswith("{") else Path(value).read_text())
        except (OSError, KeyFileError) as exc:
            raise ValueError(
                f"signing_keys must be a key ring or a file holding one: {exc}"
            ) from exc
        if ring.is_development:
            raise ValueError("signing_keys must not be the development ring in production")
        return self


class ContactReaderSettings(IssuerSettings):
    """A service that keeps members' contact data (messaging, loyalty): it reads it from
    customer (``GET /members/{id}/contact``, :mod:`shared.contacts`) with a service token
    it signs itself, as events carry ids only."""

    # Customer's base URL (``huiyuan up`` sets it to the customer service it runs)
    customer_url: str = "http://127.0.0.1:8001"
    # How long a read of a contact may take before the event is retried (seconds)
    customer_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

from datetime import time

import holidays
import limits
from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.customer.staff.domain import (
    RFC_9106_LOW_MEMORY,
    PasswordHashing,
    password_hashing,
)
from shared.settings import IssuerSettings


class Settings(IssuerSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMER_", extra="ignore")

    # Card numbers are this prefix, an 8-digit serial (longer past 99,999,999 members) and
    # a check digit, within the 32 characters of a card number column
    card_number_prefix: str = Field(default="8860", pattern=r"^[0-9]{1,12}$")

    # The services a member's export (GET /members/{id}/export) asks for their part, by
    # their base URL (``huiyuan up`` sets them to the services it runs); the caller's
    # bearer token is forwarded, and one that does not answer within the timeout makes
    # the export a 503
    orders_url: str = "http://127.0.0.1:8002"
    loyalty_url: str = "http://127.0.0.1:8003"
    messaging_url: str = "http://127.0.0.1:8004"
    analytics_url: str = "http://127.0.0.1:8005"
    export_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    # The service desk's business hours (wall-clock in business_timezone) on the working
    # days of desk_holiday_country (weekends, public holidays and make-up days, from the
    # holidays library): SLAs count only these hours
    desk_opens: time = time(9)
    desk_closes: time = time(18)
    desk_holiday_country: str = Field(default="CN", pattern=r"^[A-Z]{2}$")
    # How often the escalation worker looks for tickets past their SLA
    desk_escalation_poll_seconds: float = Field(default=30.0, gt=0)

    # The privacy policy (隐私政策) members consent under now: each consent given or
    # withdrawn records it, and the consent event carries it (a date or a document number)
    privacy_policy_version: str = Field(default="2026-11-01", pattern=r"^[A-Za-z0-9._-]{1,32}$")

    # How often the import worker looks for queued imports, and the largest CSV upload
    # (about 80 bytes a member: 1,000,000 members measure about 80 MiB)
    import_poll_seconds: float = Field(default=1.0, gt=0)
    import_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)

    # Member sign-in by SMS code (services/customer/signin): a code lives this long and
    # takes this many wrong tries; codes sent per phone number and per client address
    # within moving windows (the limits library's notation, ";" between limits), counted
    # in each process's memory
    signin_code_ttl_seconds: int = Field(default=300, ge=60, le=3600)
    signin_code_max_attempts: int = Field(default=5, ge=1, le=20)
    signin_codes_per_phone: str = "1/minute;5/hour;10/day"
    signin_codes_per_address: str = "20/hour;100/day"
    # A member's access token lives this long; a refresh token this long from its issue
    member_access_token_minutes: int = Field(default=15, ge=1, le=60)
    member_refresh_token_days: int = Field(default=30, ge=1, le=365)

    @field_validator("signin_codes_per_phone", "signin_codes_per_address")
    @classmethod
    def _limits(cls, spec: str) -> str:
        try:
            limits.parse_many(spec)
        except ValueError as exc:
            raise ValueError(f"not rate limits such as '1/minute;5/hour': {exc}") from exc
        return spec

    # Staff sign-in (POST /staff/sessions): this many wrong passwords in a row lock an
    # account for staff_lockout_minutes; a staff access token lives
    # staff_access_token_minutes (the bound on how long a sign-out, a revoke-all, a disabled
    # account or a password change takes to reach every service) and its refresh tokens
    # staff_refresh_token_hours from each rotation (a shift's idle time; then sign in again)
    staff_lockout_failures: int = Field(default=5, ge=1, le=100)
    staff_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    staff_access_token_minutes: int = Field(default=15, ge=1, le=60)
    staff_refresh_token_hours: int = Field(default=12, ge=1, le=7 * 24)
    # Staff passwords are hashed with Argon2id at these costs (memory in KiB, passes,
    # lanes); the defaults are RFC 9106's second recommended profile, and a hash made at
    # other costs is made again at these at its account's next sign-in. Only the test
    # environment may go below them: the suite hashes thousands of passwords
    staff_password_memory_kib: int = Field(default=RFC_9106_LOW_MEMORY.memory_kib, ge=8)
    staff_password_passes: int = Field(default=RFC_9106_LOW_MEMORY.passes, ge=1, le=100)
    staff_password_lanes: int = Field(default=RFC_9106_LOW_MEMORY.lanes, ge=1, le=64)

    @field_validator("desk_holiday_country")
    @classmethod
    def _known_country(cls, country: str) -> str:
        if country not in holidays.list_supported_countries():
            raise ValueError(f"the holidays library has no calendar for {country!r}")
        return country

    @model_validator(mode="after")
    def _desk_opens_before_it_closes(self) -> "Settings":
        if self.desk_opens >= self.desk_closes:
            raise ValueError("desk_opens must be earlier than desk_closes")
        return self

    @model_validator(mode="after")
    def _password_costs_below_the_defaults_only_in_tests(self) -> "Settings":
        costs = PasswordHashing(
            self.staff_password_memory_kib, self.staff_password_passes, self.staff_password_lanes
        )
        if costs.memory_kib < 8 * costs.lanes:
            raise ValueError("staff_password_memory_kib must be at least 8 per lane")
        if self.environment != "test" and costs.weaker_than(RFC_9106_LOW_MEMORY):
            raise ValueError(
                "staff password costs below RFC 9106's profile are for the test environment"
            )
        return self

    def staff_password_hashing(self) -> PasswordHashing:
        """Argon2id at ``staff_password_*``'s costs, one per process."""
        return password_hashing(
            self.staff_password_memory_kib, self.staff_password_passes, self.staff_password_lanes
        )

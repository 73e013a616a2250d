from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.ratelimits import RateLimitText
from shared.settings import IssuerSettings


class Settings(IssuerSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    # How long a store may void a sale: unset, until the end of the sale's business day
    # (business_timezone); else this many minutes after the sale's time
    void_window_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    # Loyalty's base URL: a sale paid with points commits its reservation there, in the
    # request, before the sale is recorded (``huiyuan up`` sets it to the loyalty it runs)
    loyalty_url: str = "http://127.0.0.1:8003"
    # How long a call to loyalty may take before the till is answered 503: a till waits
    # for the answer, so this is short
    loyalty_timeout_seconds: float = Field(default=3.0, gt=0, le=30)

    # How long a rotated-out store key keeps working after `POST /stores/{id}/keys`, unless
    # the request names another overlap
    store_key_overlap_hours: int = Field(default=24, ge=0, le=30 * 24)
    # How long this process trusts a store key it has checked before checking it again: a
    # key revoked through another process stops working here within this time (at once
    # through this one), and a key's last_used_at is recorded at most this often
    store_key_cache_seconds: int = Field(default=30, ge=1, le=3600)
    # Wrong store keys tolerated per client address before its keys are not even looked
    # up (429), and per store (wrong keys claiming one of its key ids: 429 and an alert,
    # its right keys keep working); `limits` notation, counted per process
    store_key_failures_per_address: RateLimitText = "20/minute"
    store_key_failures_per_store: RateLimitText = "100/minute"
    # Member references (card number, phone, member id) a store may name that nobody
    # answers to, before its lookups are refused (429) for the rest of the window
    member_misses_per_store: RateLimitText = "50/hour"

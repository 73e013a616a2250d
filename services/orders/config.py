from pydantic import Field
from pydantic_settings import SettingsConfigDict

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

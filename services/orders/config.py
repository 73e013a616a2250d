from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    # How long a store may void a sale: unset, until the end of the sale's business day
    # (business_timezone); else this many minutes after the sale's time
    void_window_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)

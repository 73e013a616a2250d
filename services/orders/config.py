from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    # Stores upload a day's sales at day end, or after being offline for days, so they
    # may retry a sale long after the first attempt.
    store_idempotency_retention_hours: int = 168

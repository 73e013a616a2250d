from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ContactReaderSettings


class Settings(ContactReaderSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_", extra="ignore")

    # How often the sweep looks for till reservations whose hold or grace ran out
    till_sweep_seconds: float = Field(default=30.0, gt=0, le=3600)
    # How often the due work looks for referrals whose return window has passed
    referral_due_seconds: float = Field(default=60.0, gt=0, le=3600)

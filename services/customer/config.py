from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMER_", extra="ignore")

    # Card numbers are this prefix, an 8-digit serial (longer past 99,999,999 members) and
    # a check digit, within the 32 characters of a card number column
    card_number_prefix: str = Field(default="8860", pattern=r"^[0-9]{1,12}$")

from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.inputs import SingleLine
from shared.settings import BaseServiceSettings

DEV_SMS_API_KEY = "huiyuan-local-sms-key"


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MESSAGING_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    # both reach every message (the From header, the SMS signature): one line each
    mail_from: Annotated[str, SingleLine(320)] = "Huiyuan <noreply@huiyuan.local>"
    sms_gateway_url: str = "http://127.0.0.1:8025"
    sms_api_key: SecretStr = SecretStr(DEV_SMS_API_KEY)
    sms_sign: Annotated[str, SingleLine(32)] = "Huiyuan"
    delivery_max_attempts: int = 5
    delivery_batch_size: int = 100
    # SMS in flight at once; httpx's pool costs CPU per request that grows with its size
    delivery_concurrency: int = Field(default=16, ge=1)
    smtp_connections: int = Field(default=8, ge=1)
    delivery_retry_backoff_seconds: float = 5.0
    delivery_timeout_seconds: float = 10.0

    @model_validator(mode="after")
    def _refuse_default_sms_key_in_production(self) -> "Settings":
        if (
            self.environment == "production"
            and self.sms_api_key.get_secret_value() == DEV_SMS_API_KEY
        ):
            raise ValueError("sms_api_key must be set outside development")
        return self

"""Settings of the messaging service (``MESSAGING_...``), each bounded where it is read."""

from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.inputs import SingleLine
from shared.settings import BaseServiceSettings

DEV_SMS_API_KEY = "huiyuan-local-sms-key"


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MESSAGING_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    # both reach every message (the From header, the SMS signature): one line each
    mail_from: Annotated[str, SingleLine(320)] = "Huiyuan <noreply@huiyuan.local>"
    sms_gateway_url: str = "http://127.0.0.1:8025"
    sms_api_key: SecretStr = SecretStr(DEV_SMS_API_KEY)
    sms_sign: Annotated[str, SingleLine(32)] = "Huiyuan"
    # attempts before a notification is marked failed (notifications.attempts is an integer)
    delivery_max_attempts: int = Field(default=5, ge=1, le=100)
    delivery_batch_size: int = Field(default=100, ge=1, le=10_000)
    # SMS in flight at once; httpx's pool costs CPU per request that grows with its size
    delivery_concurrency: int = Field(default=16, ge=1, le=1_000)
    smtp_connections: int = Field(default=8, ge=1, le=100)
    # the first retry's delay; each next one doubles, up to an hour
    delivery_retry_backoff_seconds: float = Field(default=5.0, gt=0, le=3600)
    delivery_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # how long a leased batch is the dispatcher's: after a crash its unrecorded messages
    # wait this long before they are sent again. A send (an SMTP connect and send: twice
    # the timeout) starts only if it ends inside the lease, the first third of which is
    # left for waiting on a free connection
    delivery_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    # where a member answers a resolved ticket's satisfaction survey (the brand's app or
    # web page, which posts the answer with the member's token); {ticket_id} is replaced
    ticket_survey_url: Annotated[str, SingleLine(500)] = (
        "https://huiyuan.local/tickets/{ticket_id}/survey"
    )

    @field_validator("ticket_survey_url")
    @classmethod
    def _names_the_ticket(cls, url: str) -> str:
        if "{ticket_id}" not in url:
            raise ValueError("ticket_survey_url must contain {ticket_id}")
        return url

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> "Settings":
        if self.delivery_lease_seconds < 3 * self.delivery_timeout_seconds:
            raise ValueError(
                "delivery_lease_seconds must be at least three times delivery_timeout_seconds"
            )
        return self

    @model_validator(mode="after")
    def _refuse_default_sms_key_in_production(self) -> "Settings":
        if (
            self.environment == "production"
            and self.sms_api_key.get_secret_value() == DEV_SMS_API_KEY
        ):
            raise ValueError("sms_api_key must be set outside development")
        return self

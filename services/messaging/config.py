"""Settings of the messaging service (``MESSAGING_...``), each bounded where it is read."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from shared.inputs import SingleLine
from shared.settings import ContactReaderSettings

DEV_SMS_API_KEY = "huiyuan-local-sms-key"
# Standard Webhooks form (whsec_ + base64 of the key bytes): the local gateway signs with it
DEV_SMS_WEBHOOK_SECRET = "whsec_aHVpeXVhbi1sb2NhbC1zbXMtd2ViaG9vay1zZWNyZXQ="
DEV_UNSUBSCRIBE_KEY = "huiyuan-local-unsubscribe-key"
DEV_SMS_RECEIPT_SECRETS = {
    "primary": "whsec_aHVpeXVhbi1sb2NhbC1yZWNlaXB0cy1wcmltYXJ5",
    "fallback": "whsec_aHVpeXVhbi1sb2NhbC1yZWNlaXB0cy1mYWxsYmFjaw==",
}
"""The local gateway's two endpoints sign their delivery receipts with these (Standard
Webhooks secrets); refused outside development."""
DEV_EMAIL_BOUNCE_SECRET = "whsec_aHVpeXVhbi1sb2NhbC1lbWFpbC1ib3VuY2Vz"
"""The local mail catcher signs its bounce reports with it; refused outside development."""
EMAIL_PROVIDER = "smtp"
"""The name of the one email provider (the SMTP server at ``smtp_host``) in the path of
its bounce reports (``/webhooks/email/bounces/smtp``)."""


PROVIDER_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
"""An SMS provider's name: lowercase letters, digits, - and _, at most 32 characters."""


def _webhook_secret(secret: SecretStr) -> SecretStr:
    try:
        Webhook(secret.get_secret_value())
    except (ValueError, EmptyWebhookSecretError) as exc:  # binascii.Error is a ValueError
        raise ValueError(
            "must be a Standard Webhooks secret: base64, after whsec_ if given"
        ) from exc
    return secret


WebhookSecret = Annotated[SecretStr, AfterValidator(_webhook_secret)]


class SmsProvider(BaseModel):
    """One SMS provider of ``sms_providers``: its base URL (the client posts to
    ``{url}/v1/messages``), bearer key, price per segment in fen, and the Standard Webhooks
    secret (``whsec_<base64>``) its callbacks are signed with: delivery receipts
    (``/webhooks/sms/receipts/{name}``) and inbound replies (``/webhooks/sms/inbound/{name}``)."""

    name: str = Field(pattern=PROVIDER_NAME_PATTERN, max_length=32)
    url: Annotated[str, SingleLine(500)]
    api_key: SecretStr
    price_fen_per_segment: int = Field(default=10, ge=0, le=10_000)
    receipt_secret: WebhookSecret

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return url


class Settings(ContactReaderSettings):
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
    # the price and receipt secret of the provider at sms_gateway_url when sms_providers is
    # empty (the seeds: 0.1 yuan a segment)
    sms_price_fen_per_segment: int = Field(default=10, ge=0, le=10_000)
    sms_receipt_secret: WebhookSecret = SecretStr(DEV_SMS_RECEIPT_SECRETS["primary"])
    # SMS providers in the order they are tried (a JSON list in MESSAGING_SMS_PROVIDERS);
    # empty: the one at sms_gateway_url, named "primary"
    sms_providers: list[SmsProvider] = Field(default_factory=list, max_length=10)
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
    # how long the dispatcher waits, once a queued message woke it, for more to be queued
    # before it leases: each round costs a lease, a recording transaction and a wake-up of
    # the relay and of every consumer of its events however few it sends, and at tens of
    # messages a second rounds were mostly of one (docs/performance.md, "Issue 19's fourth
    # round"). A member waits this much longer for the message; "notification queued" does
    # not
    delivery_linger_ms: int = Field(default=100, ge=0, le=5_000)
    # journeys (services.messaging.journeys): how often the worker looks for runs due, and
    # how many it runs per transaction
    journey_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    journey_batch_size: int = Field(default=200, ge=1, le=10_000)
    # where a member answers a resolved ticket's satisfaction survey (the brand's app or
    # web page, which posts the answer with the member's token); {ticket_id} is replaced
    ticket_survey_url: Annotated[str, SingleLine(500)] = (
        "https://huiyuan.local/tickets/{ticket_id}/survey"
    )

    # outbound webhooks (services.messaging.webhooks): a POST's time limit, the attempts
    # before a delivery is failed, the first retry's delay (each next one doubles, with
    # jitter, up to a day), how long a rotated-out secret still signs, and how long a
    # subscription may fail without one success before it is disabled
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_retry_backoff_seconds: float = Field(default=30.0, gt=0, le=3600)
    webhook_rotation_grace_hours: float = Field(default=24.0, ge=0, le=168)
    webhook_disable_after_hours: float = Field(default=72.0, gt=0, le=720)
    webhook_batch_size: int = Field(default=50, ge=1, le=1_000)
    # delivered and failed deliveries (with their attempts) are deleted after this many days
    webhook_retention_days: int = Field(default=30, ge=1, le=3650)
    # inbound replies posted to the deprecated /webhooks/sms/inbound (the first provider's)
    # are signed per Standard Webhooks with it; /webhooks/sms/inbound/{provider} takes the
    # provider's receipt_secret
    sms_webhook_secret: WebhookSecret = SecretStr(DEV_SMS_WEBHOOK_SECRET)
    # bounce reports of the email provider (POST /webhooks/email/bounces/smtp) are signed
    # per Standard Webhooks with it
    email_bounce_secret: WebhookSecret = SecretStr(DEV_EMAIL_BOUNCE_SECRET)
    # signs the unsubscribe tokens of List-Unsubscribe links (HMAC-SHA256)
    unsubscribe_key: SecretStr = SecretStr(DEV_UNSUBSCRIBE_KEY)
    # the one-click unsubscribe link in every email (RFC 8058: https in production); its
    # {token} is replaced. The mailto address goes in List-Unsubscribe beside it.
    unsubscribe_url: Annotated[str, SingleLine(500)] = "http://127.0.0.1:8004/unsubscribe/{token}"
    unsubscribe_mailto: Annotated[str, SingleLine(320)] = "unsubscribe@huiyuan.local"

    @field_validator("unsubscribe_url")
    @classmethod
    def _names_the_token(cls, url: str) -> str:
        if "{token}" not in url:
            raise ValueError("unsubscribe_url must contain {token}")
        return url

    @field_validator("ticket_survey_url")
    @classmethod
    def _names_the_ticket(cls, url: str) -> str:
        if "{ticket_id}" not in url:
            raise ValueError("ticket_survey_url must contain {ticket_id}")
        return url

    @field_validator("sms_providers")
    @classmethod
    def _names_are_unique(cls, providers: list[SmsProvider]) -> list[SmsProvider]:
        names = [provider.name for provider in providers]
        if len(set(names)) != len(names):
            raise ValueError("sms_providers must have distinct names")
        return providers

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> "Settings":
        if self.delivery_lease_seconds < 3 * self.delivery_timeout_seconds:
            raise ValueError(
                "delivery_lease_seconds must be at least three times delivery_timeout_seconds"
            )
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> "Settings":
        if self.environment != "production":
            return self
        for name, default in (
            ("sms_webhook_secret", DEV_SMS_WEBHOOK_SECRET),
            ("email_bounce_secret", DEV_EMAIL_BOUNCE_SECRET),
            ("unsubscribe_key", DEV_UNSUBSCRIBE_KEY),
        ):
            if getattr(self, name).get_secret_value() == default:
                raise ValueError(f"{name} must be set outside development")
        if not self.unsubscribe_url.startswith("https://"):
            raise ValueError("unsubscribe_url must be https outside development (RFC 8058)")
        for provider in self.sms_registry():
            if provider.api_key.get_secret_value() == DEV_SMS_API_KEY:
                raise ValueError("sms_api_key must be set outside development")
            if provider.receipt_secret.get_secret_value() in DEV_SMS_RECEIPT_SECRETS.values():
                raise ValueError(
                    "sms_receipt_secret (every provider's receipt_secret) must be set outside "
                    "development"
                )
        return self

    def sms_registry(self) -> list[SmsProvider]:
        """The SMS providers in the order the dispatcher tries them."""
        # the single-provider settings are bounded one by one where they are declared
        return self.sms_providers or [
            SmsProvider.model_construct(
                name="primary",
                url=self.sms_gateway_url,
                api_key=self.sms_api_key,
                price_fen_per_segment=self.sms_price_fen_per_segment,
                receipt_secret=self.sms_receipt_secret,
            )
        ]

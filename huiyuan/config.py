"""Settings of the ``huiyuan`` command itself: where the stack lives and which ports it uses."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from huiyuan.provision import SERVICES

DEFAULT_PORTS: dict[str, int] = {
    "customer": 8001,
    "orders": 8002,
    "loyalty": 8003,
    "messaging": 8004,
    "analytics": 8005,
}
DEV_SMS_API_KEY = "huiyuan-local-sms-key"


class StackSettings(BaseSettings):
    """Read from ``HUIYUAN_*`` variables; ``DATABASE_URL`` and ``KAFKA_BOOTSTRAP_SERVERS``
    switch from the embedded servers to real ones."""

    model_config = SettingsConfigDict(env_prefix="HUIYUAN_", extra="ignore")

    data_dir: Path = Path(".huiyuan")
    host: str = "127.0.0.1"
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "HUIYUAN_DATABASE_URL")
    )
    kafka_bootstrap_servers: str | None = Field(
        None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "HUIYUAN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    customer_port: int = DEFAULT_PORTS["customer"]
    orders_port: int = DEFAULT_PORTS["orders"]
    loyalty_port: int = DEFAULT_PORTS["loyalty"]
    messaging_port: int = DEFAULT_PORTS["messaging"]
    analytics_port: int = DEFAULT_PORTS["analytics"]
    broker_port: int = 9092
    smtp_port: int = 1025
    inbox_port: int = 8025
    ready_timeout_seconds: float = 90.0

    def port(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.port(service)}"

    @property
    def urls(self) -> dict[str, str]:
        return {service: self.url(service) for service in SERVICES}

    @property
    def pg_dir(self) -> Path:
        return self.data_dir.resolve() / "postgres"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir.resolve() / "logs"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir.resolve() / "inbox"

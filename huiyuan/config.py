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
REPLICATED = ("loyalty", "messaging")
"""The services ``huiyuan up --replicas N`` runs N processes of: the consumers that carry
the purchase path's events, which scale with a topic's partitions (deploy/k8s/README.md)."""
REPLICA_PORT_STEP = 10
"""Replica n (from 2) of a service listens on its port + 10 × (n - 1): loyalty-2 on 8013."""


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
    # processes of each REPLICATED service, sharing its consumer group and outbox
    replicas: int = Field(1, ge=1, le=6)
    # partitions of the topics the services create; unset: 3 per replica, so N replicas
    # split them evenly (compose and deploy/k8s use 6)
    topic_partitions: int | None = Field(None, ge=1)
    # where replicas 2..N of a service listen, if not at REPLICA_PORT_STEP from its port
    replica_ports: dict[str, list[int]] = Field(default_factory=dict)

    def port(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.port(service)}"

    @property
    def urls(self) -> dict[str, str]:
        """The first process of each service: the one the others and the CLI call."""
        return {service: self.url(service) for service in SERVICES}

    @property
    def partitions(self) -> int:
        return self.topic_partitions or 3 * self.replicas

    def replica_port(self, service: str, replica: int) -> int:
        """The port of ``service``'s process number ``replica`` (2 to ``replicas``)."""
        given = self.replica_ports.get(service, [])
        if replica - 2 < len(given):
            return given[replica - 2]
        return self.port(service) + REPLICA_PORT_STEP * (replica - 1)

    @property
    def replica_urls(self) -> dict[str, str]:
        """Replicas 2..N, by process name (``loyalty-2``); none with one replica."""
        return {
            f"{service}-{n}": f"http://{self.host}:{self.replica_port(service, n)}"
            for service in REPLICATED
            for n in range(2, self.replicas + 1)
        }

    @property
    def process_urls(self) -> dict[str, str]:
        """Every service process: the first of each and the replicas."""
        return {**self.urls, **self.replica_urls}

    @property
    def pg_dir(self) -> Path:
        return self.data_dir.resolve() / "postgres"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir.resolve() / "logs"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir.resolve() / "inbox"

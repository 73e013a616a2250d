"""The production topology in docker-compose.yml and deploy/Dockerfile hangs together."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from huiyuan.devkeys import ISSUERS
from shared.settings import BaseServiceSettings
from tests.deploy.topology import (
    REPO_ROOT,
    SERVICES,
    environment,
    service,
    settings_class,
)

MESSAGING_PROVIDER_FIELDS = {
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_password",
    "smtp_starttls",
    "mail_from",
    "sms_gateway_url",
    "sms_api_key",
    "sms_receipt_secret",
    "sms_webhook_secret",
    "email_bounce_secret",
    "unsubscribe_key",
    "unsubscribe_url",
}


def test_the_expected_services_exist(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "kafka", "migrate", *SERVICES}


def test_postgres_is_18_with_a_volume_and_a_readiness_check(compose: dict[str, Any]) -> None:
    postgres = service(compose, "postgres")
    assert postgres["image"] == "postgres:18"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql") for volume in postgres["volumes"])


def test_kafka_is_a_single_kraft_node_without_auto_created_topics(compose: dict[str, Any]) -> None:
    kafka = service(compose, "kafka")
    env = environment(compose, "kafka")
    assert kafka["image"] == "apache/kafka:4.1.0"
    assert set(str(env["KAFKA_PROCESS_ROLES"]).split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert not any("ZOOKEEPER" in key for key in env)
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_migrate_runs_once_postgres_is_healthy_with_every_role_password(
    compose: dict[str, Any],
) -> None:
    migrate = service(compose, "migrate")
    env = environment(compose, "migrate")
    assert migrate["command"] == ["huiyuan", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
    for name in SERVICES:
        assert env[f"{name.upper()}_DB_PASSWORD"]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_in_production_against_compose_hosts(
    compose: dict[str, Any], name: str
) -> None:
    spec = service(compose, name)
    env = environment(compose, name)
    prefix = name.upper()

    database = urlsplit(env[f"{prefix}_DATABASE_URL"])
    assert database.scheme == "postgresql+asyncpg"
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == f"huiyuan_{name}"
    password_variable = f"${{{prefix}_DB_PASSWORD:?"
    assert password_variable in spec["environment"][f"{prefix}_DATABASE_URL"]
    assert env[f"{prefix}_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["HUIYUAN_ENVIRONMENT"] == "production"
    # every service verifies with the keys the issuers publish; only they hold private keys
    jwks = json.loads(env["HUIYUAN_JWKS"] or "[]")
    assert [(urlsplit(url).hostname, urlsplit(url).port) for url in jwks] == [
        (issuer, 8000) for issuer in ISSUERS
    ]
    signing = {key for key in env if key.endswith("_SIGNING_KEYS")}
    assert signing == ({f"{prefix}_SIGNING_KEYS"} if name in ISSUERS else set())
    for key in signing:
        assert spec["environment"][key].startswith(f"${{{key}:?")
    assert spec["environment"]["HUIYUAN_PII_KEY"].startswith("${HUIYUAN_PII_KEY:?")

    assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert spec["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(spec["healthcheck"]["test"])
    assert spec["restart"] == "unless-stopped"
    assert f"services.{name}.main:create_app" in spec["command"]
    # uvicorn's access log would write every request line with its query string
    # (GET /members?phone=...); the services record each route's latency themselves
    assert "--no-access-log" in spec["command"]


def test_shared_variables_name_base_settings_fields(compose: dict[str, Any]) -> None:
    fields = set(BaseServiceSettings.model_fields)
    for name in SERVICES:
        prefix = f"{name.upper()}_"
        env = environment(compose, name)
        shared = {key.removeprefix("HUIYUAN_").lower() for key in env if key.startswith("HUIYUAN_")}
        own = {key.removeprefix(prefix).lower() for key in env if key.startswith(prefix)}
        assert len(shared) + len(own) == len(env)
        assert shared <= fields
        assert own - MESSAGING_PROVIDER_FIELDS <= fields | set(settings_class(name).model_fields)


def test_orders_calls_the_loyalty_service(compose: dict[str, Any]) -> None:
    """A sale paid with points commits its reservation at loyalty, over the compose network."""
    url = urlsplit(environment(compose, "orders")["ORDERS_LOYALTY_URL"] or "")
    assert url.hostname == "loyalty"
    assert f"{url.port}" in service(compose, "loyalty")["command"]


def test_customer_asks_every_other_service_for_a_members_export(
    compose: dict[str, Any],
) -> None:
    """A member's export gathers each service's part over the compose network."""
    env = environment(compose, "customer")
    for peer in ("orders", "loyalty", "messaging", "analytics"):
        url = urlsplit(env[f"CUSTOMER_{peer.upper()}_URL"] or "")
        assert url.hostname == peer
        assert f"{url.port}" in service(compose, peer)["command"]


@pytest.mark.parametrize("name", ["messaging", "loyalty"])
def test_contact_readers_call_the_customer_service(compose: dict[str, Any], name: str) -> None:
    """Events carry member ids only: messaging and loyalty read contacts at customer."""
    url = urlsplit(environment(compose, name)[f"{name.upper()}_CUSTOMER_URL"] or "")
    assert url.hostname == "customer"
    assert f"{url.port}" in service(compose, "customer")["command"]


def test_messaging_gets_its_mail_and_sms_providers(compose: dict[str, Any]) -> None:
    env = environment(compose, "messaging")
    assert {f"MESSAGING_{field.upper()}" for field in MESSAGING_PROVIDER_FIELDS} <= set(env)


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_variable_is_a_settings_field_that_parses(
    compose: dict[str, Any], name: str
) -> None:
    settings_cls = settings_class(name)
    prefix = f"{name.upper()}_"
    values = {
        key.removeprefix(prefix).removeprefix("HUIYUAN_").lower(): value
        for key, value in environment(compose, name).items()
    }
    assert set(values) <= set(settings_cls.model_fields)
    settings = settings_cls.model_validate({f: v for f, v in values.items() if v is not None})
    assert settings.environment == "production"


def test_the_dockerfile_builds_one_non_root_python_image() -> None:
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    base = re.search(r"^FROM python:3\.(\d+)", dockerfile, re.MULTILINE)
    assert base is not None
    assert int(base[1]) >= 11
    assert "pip install ." in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user
    assert user[-1] not in {"root", "0"}
    command = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert command is not None
    assert json.loads(command[1])[0] == "uvicorn"
    assert "--no-access-log" in json.loads(command[1])

"""``huiyuan up --replicas N``: where the replicas listen and how many partitions topics get."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from huiyuan.cli import app
from huiyuan.config import StackSettings
from huiyuan.provision import SERVICES
from huiyuan.stack import LocalStack


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the shell sets would win over the arguments."""
    for name in ("HUIYUAN_REPLICAS", "HUIYUAN_TOPIC_PARTITIONS", "HUIYUAN_REPLICA_PORTS"):
        monkeypatch.delenv(name, raising=False)


def test_one_replica_is_the_five_services_on_three_partitions() -> None:
    settings = StackSettings()
    assert settings.replica_urls == {}
    assert settings.process_urls == settings.urls
    assert settings.partitions == 3


def test_replicas_of_loyalty_and_messaging_listen_ten_ports_up_on_even_partitions() -> None:
    settings = StackSettings(replicas=3)
    assert settings.replica_urls == {
        "loyalty-2": "http://127.0.0.1:8013",
        "messaging-2": "http://127.0.0.1:8014",
        "loyalty-3": "http://127.0.0.1:8023",
        "messaging-3": "http://127.0.0.1:8024",
    }
    assert settings.partitions == 9
    assert len(set(settings.process_urls.values())) == len(SERVICES) + 4


def test_given_ports_and_partitions_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIYUAN_TOPIC_PARTITIONS", "12")
    settings = StackSettings(replicas=2, replica_ports={"loyalty": [9100]})
    assert settings.replica_urls["loyalty-2"] == "http://127.0.0.1:9100"
    assert settings.replica_urls["messaging-2"] == "http://127.0.0.1:8014"
    assert settings.partitions == 12


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_creates_topics_with_the_stack_partitions(
    tmp_path: Path, service: str
) -> None:
    """Whichever service starts first creates the topics, so all five get the same count."""
    stack = LocalStack(StackSettings(data_dir=tmp_path, replicas=2), lambda _: None)
    env = stack._service_env(service, "postgresql://x", "b:9092")
    assert env["HUIYUAN_TOPIC_PARTITIONS"] == "6"


@pytest.mark.parametrize("replicas", ["0", "7"])
def test_up_refuses_a_replica_count_out_of_range(replicas: str) -> None:
    result = CliRunner().invoke(app, ["up", "--replicas", replicas])
    assert result.exit_code == 2
    assert "--replicas" in result.output

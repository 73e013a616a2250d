"""A broker of the test's own, which it may restart without disturbing the session's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.ports import free_port


@pytest.fixture
def broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker] | Any:
    """An embedded broker on a free port, stopped after the test; it forgets every topic
    and offset when restarted."""
    broker = EmbeddedBroker(free_port(), tmp_path / "broker.log")
    broker.start()
    yield broker
    broker.stop()


def restart(broker: EmbeddedBroker) -> None:
    """Stops ``broker`` and starts it again on the same port, empty."""
    broker.stop()
    broker.start()

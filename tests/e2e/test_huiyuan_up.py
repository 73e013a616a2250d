"""``huiyuan up`` as a newcomer runs it: real processes, the demo, a restart on the same data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from huiyuan.config import DEFAULT_PORTS, StackSettings
from huiyuan.devkeys import cli_token
from huiyuan.embedded.local_providers import read_inbox
from huiyuan.embedded.ports import free_port
from shared.settings import DEV_PII_KEY
from tests.stack import staff_headers

HUIYUAN = [sys.executable, "-m", "huiyuan.cli"]


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "KAFKA_", "MESSAGING_", "HUIYUAN_"))
    }
    env["HUIYUAN_DATA_DIR"] = str(tmp_path / "data")
    for service in DEFAULT_PORTS:
        env[f"HUIYUAN_{service.upper()}_PORT"] = str(free_port())
    for name in ("BROKER", "SMTP", "INBOX"):
        env[f"HUIYUAN_{name}_PORT"] = str(free_port())
    return env


def _analyst(env: dict[str, str]) -> dict[str, str]:
    """An analyst token of this stack: signed with the key `huiyuan up` generated in its
    data directory (the development key is not accepted there)."""
    settings = StackSettings(data_dir=Path(env["HUIYUAN_DATA_DIR"]))
    return {"Authorization": f"Bearer {cli_token(settings, role='analyst')}"}


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen([*HUIYUAN, "up"], env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait_ready(process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> float:
    started = time.monotonic()
    while "Huiyuan is up" not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() - started < timeout, log.read_text()
        time.sleep(0.2)
    return time.monotonic() - started


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_up_demo_and_restart_on_the_same_data(stack_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "up.log"
    process = _start(stack_env, log)
    try:
        ready_after = _wait_ready(process, log)
        output = log.read_text()
        for service in DEFAULT_PORTS:
            port = stack_env[f"HUIYUAN_{service.upper()}_PORT"]
            assert f"http://127.0.0.1:{port}/docs" in output
        demo = subprocess.run(
            [*HUIYUAN, "demo", "--members", "5", "--purchases", "30"],
            env=stack_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        analytics = f"http://127.0.0.1:{stack_env['HUIYUAN_ANALYTICS_PORT']}"
        inbox_dir = Path(stack_env["HUIYUAN_DATA_DIR"]).resolve() / "inbox"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            kpis = httpx.get(f"{analytics}/kpis", headers=_analyst(stack_env)).json()
            if kpis["purchases"] == 30 and any(
                "VIP" in m.subject for m in read_inbox(inbox_dir).emails
            ):
                break
            time.sleep(0.3)
        assert kpis["members"] == 5
        assert kpis["purchases"] == 30
        # a fresh data directory got a PII key of its own, readable by its owner only
        key_file = Path(stack_env["HUIYUAN_DATA_DIR"]) / "secrets" / "pii_key"
        assert key_file.read_text().strip() != DEV_PII_KEY
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert "predates generated keys" not in log.read_text()
        # a token signed with the public development key is not accepted here
        public = httpx.get(f"{analytics}/kpis", headers=staff_headers("analyst"))
        assert public.status_code == 401
        assert any("VIP" in mail.subject for mail in read_inbox(inbox_dir).emails)
    finally:
        assert _stop(process) == 0, log.read_text()
    print(f"\nhuiyuan up: ready after {ready_after:.1f}s on a fresh data directory")

    log = tmp_path / "up-again.log"
    restarted = _start(stack_env, log)
    try:
        _wait_ready(restarted, log)
        kpis = httpx.get(f"{analytics}/kpis", headers=_analyst(stack_env)).json()
        assert kpis["members"] == 5  # the second start found the first one's data
    finally:
        assert _stop(restarted) == 0, log.read_text()

"""``huiyuan import members FILE`` against a customer service over HTTP, as an operator runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from huiyuan.cli import app
from tests.customer.conftest import new_phone
from tests.server import serving
from tests.stack import Stack


def _keys(data_dir: Path) -> dict[str, list[str]]:
    """The customer app verifies with the keys the command signs with (its data dir's)."""
    return {"jwks": [str(data_dir / "keys" / "customer.jwks.json")]}


def _point_at(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("HUIYUAN_CUSTOMER_PORT", url.rsplit(":", 1)[1])
    monkeypatch.setenv("HUIYUAN_DATA_DIR", str(data_dir))


async def test_imports_a_file_and_reports_its_counts(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "members.csv"
    rows = [f"会员{i},{new_phone()}" for i in range(3)]
    file.write_text("name,phone\n" + "\n".join([*rows, "坏号码,12"]) + "\n", encoding="gb18030")
    async with serving(stack.app("customer", import_poll_seconds=0.05, **_keys(tmp_path))) as url:
        _point_at(monkeypatch, url, tmp_path)
        runner = CliRunner()
        dry = await asyncio.to_thread(
            runner.invoke, app, ["import", "members", str(file), "--dry-run"]
        )
        done = await asyncio.to_thread(runner.invoke, app, ["import", "members", str(file)])
        again = await asyncio.to_thread(runner.invoke, app, ["import", "members", str(file)])
    assert dry.exit_code == 0, dry.output
    assert "would import 3, skipped 0 (phone already a member's), failed 1 of 4" in dry.output
    assert "imported 3, skipped 0 (phone already a member's), failed 1 of 4 rows" in done.output
    assert "/errors" in done.output
    assert "imported 0, skipped 3" in again.output


async def test_a_refused_file_exits_non_zero(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "members.csv"
    file.write_text("name,mobile\n李雷,13812345678\n", encoding="utf-8")
    async with serving(stack.app("customer", **_keys(tmp_path))) as url:
        _point_at(monkeypatch, url, tmp_path)
        result = await asyncio.to_thread(CliRunner().invoke, app, ["import", "members", str(file)])
    assert result.exit_code == 1
    assert "unknown column 'mobile'" in result.output

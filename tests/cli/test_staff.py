"""``huiyuan staff add``: the first admin, written into the customer database, signs in."""

from __future__ import annotations

import asyncio
import uuid

from typer.testing import CliRunner, Result

from huiyuan.cli import app
from shared.settings import DEV_PII_KEY
from tests.stack import Stack, running


async def _huiyuan(stack: Stack, *args: str, password: str, inside: bool = False) -> Result:
    """``inside``: as in the customer service's container, with its own database URL."""
    runner = CliRunner()
    # the test stack's customer service encrypts with the development PII key
    env = {"HUIYUAN_PII_KEY": DEV_PII_KEY}
    if inside:
        env["CUSTOMER_DATABASE_URL"] = stack.database_urls["customer"]
    else:
        env["DATABASE_URL"] = stack.admin_url
    return await asyncio.to_thread(
        lambda: runner.invoke(app, list(args), env=env, input=f"{password}\n")
    )


async def test_the_first_admin_is_added_from_the_command_line_and_signs_in(stack: Stack) -> None:
    login = f"boss.{uuid.uuid4().hex[:8]}"
    added = await _huiyuan(
        stack, "staff", "add", login, "--role", "admin", "--password-stdin",
        password="a long enough password",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert f": {login}, admin" in added.output
    again = await _huiyuan(
        stack, "staff", "add", login, "--role", "admin", "--password-stdin",
        password="a long enough password",
    )  # fmt: skip
    assert again.exit_code == 1
    assert "exists already" in again.output
    short = await _huiyuan(
        stack, "staff", "add", "x", "--role", "admin", "--password-stdin", password="short"
    )
    assert short.exit_code == 1
    assert "password" in short.output
    store = str(uuid.uuid4())
    manager = await _huiyuan(
        stack, "staff", "add", f"m.{login}", "--role", "manager", "--store", store,
        "--password-stdin", password="another long password", inside=True,
    )  # fmt: skip
    assert manager.exit_code == 0, manager.output
    async with running(stack.app("customer")) as customer:
        signed = await customer.post(
            "/staff/sessions", json={"login": login, "password": "a long enough password"}
        )
        store_manager = await customer.post(
            "/staff/sessions", json={"login": f"m.{login}", "password": "another long password"}
        )
    assert signed.status_code == 201, signed.text
    assert signed.json()["role"] == "admin"
    assert (store_manager.json()["role"], store_manager.json()["store_id"]) == ("manager", store)

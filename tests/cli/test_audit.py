"""``huiyuan audit --member``: one member's rows from every service's audit log, merged
newest first, read with each service's own role."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from typer.testing import CliRunner, Result

from huiyuan.cli import app
from shared.db import asyncpg_dsn
from tests.customer.desk.conftest import DESK, new_member
from tests.stack import Stack, running


async def _huiyuan(stack: Stack, *args: str) -> Result:
    runner = CliRunner()
    env = {"DATABASE_URL": stack.admin_url}
    return await asyncio.to_thread(lambda: runner.invoke(app, list(args), env=env))


async def test_a_members_trail_comes_from_every_service_newest_first(stack: Stack) -> None:
    async with running(stack.app("customer")) as customer:
        member = await new_member(customer)
        assert (await customer.get(f"/members/{member['id']}", headers=DESK)).is_success
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls["loyalty"]))
    try:  # as loyalty's role records a staff adjustment for the member
        await connection.execute(
            "INSERT INTO loyalty.audit_log (kind, actor, actor_role, operation, method, route, "
            "targets, member_id) VALUES ('change', 'wang.fang', 'service', 'adjust_points', "
            "'POST', '/members/{member_id}/adjustments', '{}', $1)",
            uuid.UUID(member["id"]),
        )
    finally:
        await connection.close()

    shown = await _huiyuan(stack, "audit", "--member", member["id"])
    assert shown.exit_code == 0, shown.output
    header, *lines = shown.stdout.splitlines()
    assert header.split()[:4] == ["AT", "SERVICE", "KIND", "ACTOR"]
    assert [line.split()[2:6] for line in lines] == [
        ["loyalty", "change", "wang.fang", "service"],
        ["customer", "read", "test-service", "service"],
    ]
    assert "member.contact (GET /members/{member_id})" in lines[1]

    nobody = await _huiyuan(stack, "audit", "--actor", f"nobody-{uuid.uuid4().hex}")
    assert nobody.stdout.strip() == "No audit rows."
    refused = await _huiyuan(stack, "audit")
    assert refused.exit_code != 0
    assert "--member" in refused.output

"""``huiyuan token``: a staff token can name its staff user, whom the desk knows by it."""

from __future__ import annotations

import uuid

from typer.testing import CliRunner

from huiyuan.cli import app
from shared.auth import decode_token
from shared.settings import DEV_JWT_SECRET


def test_a_staff_token_names_its_user() -> None:
    runner = CliRunner()
    named = runner.invoke(app, ["token", "--role", "service", "--subject", "wang.fang"])
    assert named.exit_code == 0, named.output
    principal = decode_token(DEV_JWT_SECRET, named.output.strip())
    assert (principal.subject, principal.role) == ("wang.fang", "service")
    plain = runner.invoke(app, ["token", "--role", "manager"])
    assert decode_token(DEV_JWT_SECRET, plain.output.strip()).subject == "cli-manager"
    member = runner.invoke(app, ["token", "--member", str(uuid.uuid4()), "--subject", "x"])
    assert member.exit_code != 0

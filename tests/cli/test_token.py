"""``huiyuan token``: a staff token can name its staff user, whom the desk knows by it; it
is signed with the key the local stack's customer service signs with (in the data
directory), and verifies with the JWKS published next to it."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from huiyuan.cli import app
from shared.jwks import PublicKeys
from shared.keys import KeyRing
from shared.tokens import verify_token


async def test_a_staff_token_names_its_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIYUAN_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    named = runner.invoke(app, ["token", "--role", "service", "--subject", "wang.fang"])
    assert named.exit_code == 0, named.output
    keys = PublicKeys([str(tmp_path / "keys" / "customer.jwks.json")], refuse_development=True)
    principal = await verify_token(keys, named.output.strip())
    assert (principal.subject, principal.role) == ("wang.fang", "service")
    plain = runner.invoke(app, ["token", "--role", "manager"])
    assert (await verify_token(keys, plain.output.strip())).subject == "cli-manager"
    member = runner.invoke(app, ["token", "--member", str(uuid.uuid4()), "--subject", "x"])
    assert member.exit_code != 0
    store = uuid.uuid4()
    scoped = runner.invoke(app, ["token", "--role", "manager", "--store", str(store)])
    assert (await verify_token(keys, scoped.output.strip())).store_id == store
    unscoped_role = runner.invoke(app, ["token", "--role", "service", "--store", str(store)])
    assert unscoped_role.exit_code != 0
    private = tmp_path / "keys" / "customer.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


async def test_keys_rotate_signs_with_a_new_key_and_keeps_the_old_one_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIYUAN_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    before = runner.invoke(app, ["token", "--role", "admin"]).output.strip()
    rotated = runner.invoke(app, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    after = runner.invoke(app, ["token", "--role", "admin"]).output.strip()
    old_kid, new_kid = (jwt.get_unverified_header(t)["kid"] for t in (before, after))
    assert old_kid != new_kid
    assert f"still published: {old_kid}" in rotated.output
    keys = PublicKeys([str(tmp_path / "keys" / "customer.jwks.json")], refuse_development=True)
    for token in (before, after):
        assert (await verify_token(keys, token)).role == "admin"
    refused = runner.invoke(app, ["keys", "rotate", "--service", "analytics"])  # no issuer
    assert refused.exit_code != 0
    elsewhere = tmp_path / "orders-keys.json"
    made = runner.invoke(app, ["keys", "rotate", "--service", "orders", "--file", str(elsewhere)])
    assert made.exit_code == 0, made.output
    assert len(KeyRing.from_json(elsewhere.read_text()).keys) == 1  # made, not rotated
    assert (tmp_path / "orders-keys.jwks.json").exists()

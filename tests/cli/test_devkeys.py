"""``huiyuan up``'s secrets: made on first start in the data directory (0600), stable, and
each service gets only what it needs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from huiyuan.config import StackSettings
from huiyuan.stack import LocalStack
from shared.settings import DEV_PII_KEY


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the shell sets would win over the data directory's."""
    issuers = ("CUSTOMER", "ORDERS", "MESSAGING", "LOYALTY")
    for name in ("HUIYUAN_PII_KEY", "HUIYUAN_JWKS", *(f"{i}_SIGNING_KEYS" for i in issuers)):
        monkeypatch.delenv(name, raising=False)


def _env(settings: StackSettings, service: str) -> dict[str, str]:
    env = LocalStack(settings, lambda _: None)._service_env(service, "postgresql://x", "b:9092")
    return {k: v for k, v in env.items() if k.endswith(("_PII_KEY", "_JWKS", "_SIGNING_KEYS"))}


def test_the_stack_makes_its_own_secrets_once_and_hands_out_only_public_keys(
    tmp_path: Path,
) -> None:
    settings = StackSettings(data_dir=tmp_path)
    for issuer in ("customer", "orders", "messaging", "loyalty"):  # each its own ring only
        env = _env(settings, issuer)
        signing = {k: v for k, v in env.items() if k.endswith("_SIGNING_KEYS")}
        assert signing == {
            f"{issuer.upper()}_SIGNING_KEYS": str(tmp_path / "keys" / f"{issuer}.json")
        }
    analytics = _env(settings, "analytics")
    assert set(analytics) == {"HUIYUAN_PII_KEY", "HUIYUAN_JWKS"}  # no private key
    assert [Path(p).name for p in json.loads(analytics["HUIYUAN_JWKS"])] == [
        "customer.jwks.json",
        "orders.jwks.json",
        "messaging.jwks.json",
        "loyalty.jwks.json",
    ]
    pii = tmp_path / "secrets" / "pii_key"
    assert stat.S_IMODE(pii.stat().st_mode) == 0o600
    assert analytics["HUIYUAN_PII_KEY"] != DEV_PII_KEY
    assert _env(settings, "analytics") == analytics  # stable across restarts


def test_a_data_directory_with_an_older_database_keeps_the_development_pii_key(
    tmp_path: Path,
) -> None:
    settings = StackSettings(data_dir=tmp_path)
    settings.pg_dir.mkdir(parents=True)
    (settings.pg_dir / "PG_VERSION").write_text("18\n")
    assert _env(settings, "customer")["HUIYUAN_PII_KEY"] == DEV_PII_KEY

"""docker-compose.yml as the reference the deployment tests compare against."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import yaml

from shared.keys import (
    IDENTITY_ISSUER,
    LOYALTY_ISSUER,
    MESSAGING_ISSUER,
    ORDERS_ISSUER,
    generate_ring,
)
from shared.settings import BaseServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
SERVICES = ("customer", "orders", "loyalty", "messaging", "analytics")
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[-?])(?P<arg>[^}]*))?\}")


SHAPED = {
    "MESSAGING_UNSUBSCRIBE_URL": "https://crm.example.com/unsubscribe/{token}",
    "CUSTOMER_SIGNING_KEYS": generate_ring(IDENTITY_ISSUER).to_json(),
    "ORDERS_SIGNING_KEYS": generate_ring(ORDERS_ISSUER).to_json(),
    "MESSAGING_SIGNING_KEYS": generate_ring(MESSAGING_ISSUER).to_json(),
    "LOYALTY_SIGNING_KEYS": generate_ring(LOYALTY_ISSUER).to_json(),
}
"""Stand-ins for required variables whose settings check a shape (an https link with a
placeholder, a key ring) rather than a length."""


def interpolate(value: object) -> str:
    """What compose would substitute, with a stand-in for every required variable."""

    def resolve(match: re.Match[str]) -> str:
        if match["op"] == "-":
            return match["arg"]
        if match["name"] in SHAPED:
            return SHAPED[match["name"]]
        # long enough for the production checks on secrets (32 characters at least)
        return f"test-{match['name'].lower().replace('_', '-')}".ljust(40, "x")

    return VARIABLE.sub(resolve, str(value))


def load_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"][name]
    return found


def environment(compose: dict[str, Any], name: str) -> dict[str, str | None]:
    """A variable without a value is passed through from the host: ``None`` here."""
    return {
        key: None if value is None else interpolate(value)
        for key, value in service(compose, name)["environment"].items()
    }


def settings_class(name: str) -> type[BaseServiceSettings]:
    module = importlib.import_module(f"services.{name}.config")
    [found] = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseServiceSettings)
        and cls is not BaseServiceSettings
        and cls.__module__ == module.__name__
    ]
    return found


def settings_field(name: str, variable: str) -> str | None:
    """The field of the service's Settings that ``variable`` sets, if any."""
    fields = settings_class(name).model_fields
    for prefix in (f"{name.upper()}_", "HUIYUAN_"):
        if variable.startswith(prefix) and variable.removeprefix(prefix).lower() in fields:
            return variable.removeprefix(prefix).lower()
    return None

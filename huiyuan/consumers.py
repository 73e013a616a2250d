"""A consuming service's inbox and bound handlers, from its composition root.

Operator tools that apply events outside the service process (replaying dead letters)
build the service's spec as its ``main.py`` does, with its settings (read from its
environment variables, as the service reads them) pointed at another database URL.
"""

from __future__ import annotations

import importlib

from shared.inbox import Inbox
from shared.service_app import ServiceSpec
from shared.settings import BaseServiceSettings

SERVICES = ("customer", "orders", "loyalty", "messaging", "analytics")
CONSUMING_SERVICES = ("orders", "loyalty", "messaging", "analytics")


def spec_of(service: str, database_url: str) -> ServiceSpec:
    """The service's :class:`ServiceSpec`, its database at ``database_url``."""
    if service not in SERVICES:
        raise ValueError(f"{service!r} is not a service; services: {', '.join(SERVICES)}")
    settings_class: type[BaseServiceSettings] = importlib.import_module(
        f"services.{service}.config"
    ).Settings
    built: ServiceSpec = importlib.import_module(f"services.{service}.main").spec(
        settings_class(database_url=database_url)
    )
    return built


def consumer_of(service: str, database_url: str) -> tuple[ServiceSpec, Inbox]:
    """:func:`spec_of` and the inbox of a service that consumes events; raises
    ``ValueError`` for one that consumes none."""
    spec = spec_of(service, database_url)
    if spec.inbox is None or not spec.handlers:
        raise ValueError(
            f"{service!r} consumes no events; services with dead letters: "
            f"{', '.join(CONSUMING_SERVICES)}"
        )
    return spec, spec.inbox

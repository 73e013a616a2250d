"""Each consuming service's inbox and event handlers, built as its ``main.py`` builds them.

Operator tools that apply events outside the service process (replaying dead letters)
look them up here; the customer service consumes nothing and has no inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.inbox import Handlers, Inbox
from shared.settings import BaseServiceSettings


@dataclass(frozen=True)
class ServiceConsumer:
    service: str
    settings: BaseServiceSettings
    inbox: Inbox
    handlers: Handlers


def _orders(database_url: str) -> ServiceConsumer:
    from services.orders.config import Settings
    from services.orders.consumers import HANDLERS
    from services.orders.models import inbox

    return ServiceConsumer("orders", Settings(database_url=database_url), inbox, HANDLERS)


def _loyalty(database_url: str) -> ServiceConsumer:
    from services.loyalty.config import Settings
    from services.loyalty.consumers import HANDLERS
    from services.loyalty.models import inbox

    return ServiceConsumer("loyalty", Settings(database_url=database_url), inbox, HANDLERS)


def _messaging(database_url: str) -> ServiceConsumer:
    from services.messaging.config import Settings
    from services.messaging.consumers import create_handlers
    from services.messaging.models import inbox

    settings = Settings(database_url=database_url)
    return ServiceConsumer("messaging", settings, inbox, create_handlers(settings))


def _analytics(database_url: str) -> ServiceConsumer:
    from services.analytics.config import Settings
    from services.analytics.consumers import create_handlers
    from services.analytics.models import inbox

    settings = Settings(database_url=database_url)
    return ServiceConsumer("analytics", settings, inbox, create_handlers(settings))


_BUILDERS: dict[str, Callable[[str], ServiceConsumer]] = {
    "orders": _orders,
    "loyalty": _loyalty,
    "messaging": _messaging,
    "analytics": _analytics,
}
CONSUMING_SERVICES: tuple[str, ...] = tuple(_BUILDERS)


def consumer_of(service: str, database_url: str) -> ServiceConsumer:
    """The service's inbox and handlers, with its settings (read from its environment
    variables, as the service reads them) pointed at ``database_url``."""
    if service not in _BUILDERS:
        raise ValueError(
            f"{service!r} consumes no events; services with dead letters: "
            f"{', '.join(CONSUMING_SERVICES)}"
        )
    return _BUILDERS[service](database_url)

"""The running messaging app of the notifications API tests, shared here."""

from tests.messaging.notifications.conftest import client

__all__ = ["client"]

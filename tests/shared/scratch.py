"""A schema of its own with the shared tables, for testing shared code alone."""

from __future__ import annotations

from dataclasses import dataclass

from shared.db import Sessions
from shared.idempotency import IdempotencyKeys
from shared.inbox import Inbox
from shared.outbox import Outbox


@dataclass
class Scratch:
    schema: str
    database_url: str
    sessions: Sessions
    outbox: Outbox
    inbox: Inbox
    idempotency: IdempotencyKeys
    topic_prefix: str

    @property
    def topic(self) -> str:
        return f"{self.topic_prefix}.events"

    def event_type(self, name: str = "thing.happened") -> str:
        return f"{self.topic_prefix}.{name}"

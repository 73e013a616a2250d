"""CloudEvents 1.0 envelope in structured JSON mode.

``subject`` is always the member id: it is also the Kafka key, so every event about one
member lands on one partition and is consumed in order.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

P = TypeVar("P", bound="EventPayload")


class EventPayload(BaseModel):
    """Base of every event's ``data``. Subclasses name their CloudEvents type."""

    model_config = ConfigDict(frozen=True)

    event_type: ClassVar[str]


def topic_for(event_type: str) -> str:
    """``orders.purchase.completed`` is published on ``orders.events``."""
    return f"{event_type.split('.', 1)[0]}.events"


class CloudEvent(BaseModel):
    """The envelope every service publishes and consumes."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    data: dict[str, Any]

    @classmethod
    def of(
        cls,
        payload: EventPayload,
        *,
        source: str,
        subject: str | uuid.UUID,
        event_id: str | None = None,
    ) -> CloudEvent:
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=payload.event_type,
            subject=str(subject),
            data=payload.model_dump(mode="json"),
        )

    def payload(self, model: builtins.type[P]) -> P:
        """Validate ``data`` as the contract of this event's type."""
        if model.event_type != self.type:
            raise TypeError(f"event {self.id} is {self.type}, not {model.event_type}")
        return model.model_validate(self.data)

    @property
    def topic(self) -> str:
        return topic_for(self.type)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> CloudEvent:
        return cls.model_validate_json(raw)

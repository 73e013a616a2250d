"""CloudEvents 1.0 envelope in structured JSON mode.

``subject`` is the id of the aggregate the event is about (a member, a purchase, a
notification): each payload type names the field that holds it in ``subject_field``. The
Kafka key is the member id when the payload has one, else the subject; it travels as the
``partitionkey`` attribute of the CloudEvents Partitioning extension. Keying by member puts
every event about one member on one partition, so they are consumed in order.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

P = TypeVar("P", bound="EventPayload")


class EventPayload(BaseModel):
    """Base of every event's ``data``.

    An event's payload class names its CloudEvents ``event_type`` and the field holding the
    aggregate's id (``subject_field``); nested parts of a payload (lines) name neither.
    """

    model_config = ConfigDict(frozen=True)

    event_type: ClassVar[str]
    subject_field: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" in cls.__dict__ and cls.subject_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.subject_field names no field of the payload")

    @property
    def subject(self) -> str:
        """The aggregate's id: the CloudEvents ``subject``."""
        return str(getattr(self, self.subject_field))

    @property
    def partition_key(self) -> str:
        """The member id when the payload has one, else the subject: the Kafka key."""
        member_id = getattr(self, "member_id", None)
        return self.subject if member_id is None else str(member_id)


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
    partitionkey: str | None = None
    data: dict[str, Any]

    @classmethod
    def of(cls, payload: EventPayload, *, source: str, event_id: str | None = None) -> CloudEvent:
        """The envelope of ``payload``: subject and partition key follow the rule above."""
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=payload.event_type,
            subject=payload.subject,
            partitionkey=payload.partition_key,
            data=payload.model_dump(mode="json"),
        )

    @property
    def key(self) -> str:
        """The Kafka key: the partition key, or the subject for events published without one."""
        return self.partitionkey or self.subject

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

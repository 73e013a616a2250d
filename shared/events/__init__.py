"""Event contracts: the CloudEvents envelope and one payload model per event type."""

from shared.events.envelope import CloudEvent, EventPayload, topic_for
from shared.events.registry import EVENT_TYPES, payload_model

__all__ = ["EVENT_TYPES", "CloudEvent", "EventPayload", "payload_model", "topic_for"]

"""Kafka records built by hand, for tests that feed a consumer runner without a broker."""

from __future__ import annotations

from aiokafka import ConsumerRecord

from shared.events import CloudEvent


def consumer_record(
    event: CloudEvent, *, topic: str | None = None, partition: int = 0, offset: int = 0
) -> ConsumerRecord[bytes, bytes]:
    """``event`` as the broker would hand it over: keyed by its subject, on its topic."""
    value = event.to_json()
    key = event.subject.encode()
    return ConsumerRecord(
        topic=topic or event.topic,
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key),
        serialized_value_size=len(value),
        headers=[],
    )

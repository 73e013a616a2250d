"""docs/events.md names every event type the registry knows."""

from __future__ import annotations

from pathlib import Path

from shared.events.registry import EVENT_TYPES

DOC = Path(__file__).parents[2] / "docs" / "events.md"


def test_every_event_type_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert [name for name in EVENT_TYPES if f"`{name}`" not in text] == []

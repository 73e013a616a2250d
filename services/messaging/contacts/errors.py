"""What can be missing when a message needs a contact."""

from __future__ import annotations

from shared.inbox import AwaitingEvent


class ContactNotKnown(AwaitingEvent):
    """No contact for the member yet: its registration event has not been consumed.

    Loyalty and customer events travel on different topics, so a loyalty event can
    overtake the registration. Raising lets the consumer runner roll the batch back and
    retry it with backoff; if the contact never arrives the event is parked as a dead
    letter after ``consumer_await_event_seconds``.
    """

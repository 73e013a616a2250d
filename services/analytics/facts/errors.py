"""Why an event cannot be folded into the facts (yet)."""

from __future__ import annotations

from shared.inbox import AwaitingEvent


class PurchaseNotKnown(AwaitingEvent):
    """A return names a purchase analytics has not seen.

    Purchases and their returns share a topic and a key, so the purchase normally comes
    first; after broker amnesia a return can overtake its republished purchase, so the
    consumer waits for it and parks the return only if it never comes.
    """

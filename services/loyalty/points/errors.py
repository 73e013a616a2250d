"""What stops the points capability from applying an event now."""

from __future__ import annotations

from shared.inbox import AwaitingEvent


class PurchaseNotKnown(AwaitingEvent):
    """The return arrived before its purchase.

    One topic keeps a member's events in order, but a broker that lost its log breaks
    that: an event published right after the restart reaches consumers before the older
    ones the relay republishes once it notices. Skipping the return would lose its
    reversal for good; raising lets the runner wait for the purchase (see ``AwaitingEvent``).
    """

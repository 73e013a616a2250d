"""Why an event cannot be folded into the facts (yet)."""

from __future__ import annotations

from shared.inbox import AwaitingEvent


class PurchaseNotKnown(AwaitingEvent):
    """A return or a void names a purchase analytics has not seen.

    Purchases and their returns share a topic and a key, so the purchase normally comes
    first; after broker amnesia a return can overtake its republished purchase, so the
    consumer waits for it and parks the return only if it never comes.
    """


class AmountOutOfRange(Exception):
    """A purchase or return carries an amount outside 0 to ``MAX_SALE_TOTAL_FEN`` fen.

    Orders accepts no such sale, so the event is not one analytics can fold in; the consumer
    retries it and then parks it as a dead letter, and the other events keep flowing.
    """


class RunningTotalFull(Exception):
    """Counting a purchase would take a member's gross spend past ``MAX_RUNNING_FEN`` fen or
    their purchase count past what its integer column holds.

    The purchase is not counted (its transaction rolls back) and ends as a dead letter.
    """

"""What stops the households capability from applying a customer event now."""

from __future__ import annotations

from shared.inbox import AwaitingEvent


class HouseholdNotKnown(AwaitingEvent):
    """A member joined or left a household loyalty has not seen opened.

    A household's events share a partition, so this happens only when a broker that lost
    its log republishes them out of order; the runner waits for ``created``.
    """


class StillInAnotherHousehold(AwaitingEvent):
    """A member joined a household while loyalty still has them in another one.

    Two households' events are on different partitions, so a member's joining of the
    second can arrive before their leaving of the first; the runner waits for it. Changes
    with a version never get here (the joining is kept until the leaving is applied); it
    remains for changes published before versions existed.
    """

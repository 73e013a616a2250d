"""An attempt of a sale at the till: one request of orders' to record it. The till's retry
is another attempt under the same purchase id (named by its receipt number).

Orders commits a sale's reservations (points, stored value, held coupons) at loyalty
naming the attempt, and undoes them naming it too when that attempt fails. An undo, or a
commit, orders gave up waiting for can land later, after another attempt committed the
same reservation and was recorded, and loyalty cannot tell which attempt came first. So
once two attempts have committed a reservation it is *contested*: loyalty takes no undo
naming an attempt for it, and it is settled by the sale's event (recorded) or by the
sweep after the till policy's grace (not recorded). One attempt alone undoes its own
commit at once.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

AttemptId = Annotated[
    uuid.UUID | None,
    Field(
        description=(
            "The attempt of the sale this request belongs to (orders' own request id). A "
            "commit records it; once another attempt of the same sale has committed too, "
            "a release naming an attempt is refused (409): the sale's event or the sweep "
            "settles it. Omitted: no check"
        ),
        examples=["5b0f3a3e-9c1d-4e2f-8a7b-6c5d4e3f2a1b"],
    ),
]

CONTESTED = uuid.UUID(int=0)
"""Recorded for a reservation two attempts have committed (no attempt's id is zero)."""


def recommitted(recorded: uuid.UUID | None, attempt: uuid.UUID | None) -> uuid.UUID | None:
    """What a reservation records after a commit by ``attempt`` of the sale it is committed
    to already: unchanged by the same attempt or one that names none, :data:`CONTESTED` by
    another."""
    if attempt is None or recorded in (None, attempt):
        return recorded if attempt is None else attempt
    return CONTESTED


def superseded(committed_by: uuid.UUID | None, undoing: uuid.UUID | None) -> bool:
    """Whether an undo by attempt ``undoing`` may not release the commit: another attempt
    committed it, or several did. Unknown on either side (a caller that names no attempt, a
    commit from before attempts were recorded): not superseded."""
    return committed_by is not None and undoing is not None and committed_by != undoing

"""An attempt of a sale at the till: one request of orders' to record it. The till's retry
is another attempt under the same purchase id (named by its receipt number).

Orders commits a sale's reservations (points, stored value, held coupons) at loyalty
naming the attempt, and undoes them naming it too when that attempt fails. An undo orders
gave up waiting for can land later, after a later attempt committed the same reservation
again and was recorded: loyalty refuses an undo whose attempt is not the one that
committed last, so it never gives back what a recorded sale uses.
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
            "commit records it, again when the same sale commits again; a release naming "
            "an earlier attempt than the last commit's is refused (409). Omitted: no check"
        ),
        examples=["5b0f3a3e-9c1d-4e2f-8a7b-6c5d4e3f2a1b"],
    ),
]


def superseded(committed_by: uuid.UUID | None, undoing: uuid.UUID | None) -> bool:
    """Whether an undo by attempt ``undoing`` comes too late: another attempt committed
    the reservation last. Unknown on either side (a caller that names no attempt, a commit
    from before attempts were recorded): not superseded."""
    return committed_by is not None and undoing is not None and committed_by != undoing

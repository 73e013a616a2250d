"""Pure rules of paying back shortfalls from new earnings. Integers (points); no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ShortfallStatus = Literal["outstanding", "settled"]
"""``outstanding``: earnings have not paid all of it back yet; ``settled``: they have."""


@dataclass(frozen=True)
class Owed:
    """What one reversal entry still owes: its shortfall less what was paid back."""

    entry_id: uuid.UUID
    outstanding: int


def payback(owed: Sequence[Owed], earned: int) -> list[tuple[uuid.UUID, int]]:
    """How ``earned`` points pay back the shortfalls ``owed``, oldest first: each entry with
    the points it gets, at most its outstanding; in all at most ``earned``. An earn of 7
    points against shortfalls of 5 then 4 pays 5, then 2 (2 stay owed)."""
    paid: list[tuple[uuid.UUID, int]] = []
    left = earned
    for entry in owed:
        if left <= 0:
            break
        share = min(entry.outstanding, left)
        if share > 0:
            paid.append((entry.entry_id, share))
            left -= share
    return paid

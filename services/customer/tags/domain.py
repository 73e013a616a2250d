"""Pure rules of tags: when two names are the same tag, and what a bulk assignment changes."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from services.customer.tags.errors import MemberInactive
from shared.errors import UnknownMember

MAX_BULK = 1000
"""Most member ids one bulk assignment names."""

Status = Literal["active", "inactive"]


def name_key(name: str) -> str:
    """The form names are compared in: NFKC, case-folded (``ＶＩＰ``, ``VIP`` and ``vip``
    are one name)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def check_members(
    wanted: Sequence[uuid.UUID], found: Mapping[uuid.UUID, str], *, adding: bool
) -> None:
    """Refuses the first id of ``wanted`` (in request order) that is not in ``found``
    (member id → status), or that names an erased member: :class:`UnknownMember` (422
    naming ``member_ids.<i>``); when ``adding``, also a deactivated member:
    :class:`MemberInactive` (422, same field)."""
    for index, member_id in enumerate(wanted):
        status = found.get(member_id)
        if status is None or status == "erased":
            raise UnknownMember(f"No member has the id {member_id}", field=f"member_ids.{index}")
        if adding and status == "inactive":
            raise MemberInactive(
                f"Member {member_id} was deactivated; their profile no longer changes",
                field=f"member_ids.{index}",
            )


def distinct(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """``ids`` without repeats, in first-seen order (a set, as the assignment is one)."""
    return list(dict.fromkeys(ids))

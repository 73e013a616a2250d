"""Pure rules of the profile audit: who acted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.tokens import Principal

ActorKind = Literal["member", "staff", "import"]
Action = Literal[
    "updated",
    "restricted",
    "unrestricted",
    "consent_changed",
    "card_reissued",
    "locked",
    "unlocked",
    "deactivated",
    "reactivated",
    "erased",
]


@dataclass(frozen=True)
class Actor:
    """Who made a change: the member themself, a staff user (``subject``, their login) or
    the import of existing customers."""

    kind: ActorKind
    subject: str | None = None


IMPORT = Actor("import")


def actor_of(principal: Principal) -> Actor:
    """The actor of a request: a member token is the member, any other the staff user."""
    if principal.member_id is not None:
        return Actor("member", principal.subject)
    return Actor("staff", principal.subject)


def split_restriction(
    changed: tuple[str, ...], restricted: bool
) -> list[tuple[Action, tuple[str, ...]]]:
    """The audit entries of a profile edit that changed ``changed``: the restriction
    (加密客户) is an entry of its own, ``restricted`` or ``unrestricted``; the other fields
    one ``updated`` entry naming them."""
    entries: list[tuple[Action, tuple[str, ...]]] = []
    fields = tuple(name for name in changed if name != "restricted")
    if fields:
        entries.append(("updated", fields))
    if "restricted" in changed:
        entries.append(("restricted" if restricted else "unrestricted", ()))
    return entries

"""A body that must give exactly one of some alternatives, refused saying which case it is.

"Give exactly one of a or b" reads the same whether the body gave neither or both; the
caller who sent ``{}`` should read that it gave none, and the one who sent both which
ones. Call :func:`exactly_one` from a model's ``mode="after"`` validator: its
``ValueError`` becomes the 422 at the model's location (``body``, ``body.sales.3``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def exactly_one(lead: str, given: Mapping[str, Any]) -> None:
    """Raises ``ValueError`` unless exactly one of ``given`` (each alternative as the caller
    writes it, e.g. ``'"all": true'``, and its value: None or False is not given) is there:
    ``"name the member by one of member_id, card_number or phone: none was given"`` or
    ``"name the member by only one of ...: card_number and phone were given"``."""
    present = [name for name, value in given.items() if value is not None and value is not False]
    if len(present) == 1:
        return
    names = list(given)
    choices = f"{', '.join(names[:-1])} or {names[-1]}"
    if not present:
        none = "neither" if len(names) == 2 else "none"
        raise ValueError(f"{lead} one of {choices}: {none} was given")
    several = "both" if len(present) == len(names) == 2 else _and(present)
    raise ValueError(f"{lead} only one of {choices}: {several} were given")


def _and(names: list[str]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}"

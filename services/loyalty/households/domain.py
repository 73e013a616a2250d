"""Pure rules of household accounts: what a leaving member takes with them.

Points are integers; a share is rounded down, and the household keeps the remainder.
"""

from __future__ import annotations

from typing import Literal, cast, get_args

LeavingShare = Literal["nothing", "earned_share", "equal_share"]
"""What a member leaving a household takes from its account to their own:

- ``nothing``: the points stay with the household;
- ``earned_share`` (the default): the share of the balance in proportion to what they put
  in since they joined (the points they brought, and what their purchases earned there
  net of reversals) against what every current holder put in;
- ``equal_share``: the balance divided by the number of holders, the leaver included.

Whatever the policy, the last member to leave takes the whole balance, so no points are
left on an account nobody holds.
"""
LEAVING_SHARES = cast(tuple[LeavingShare, ...], get_args(LeavingShare))
DEFAULT_LEAVING_SHARE: LeavingShare = "earned_share"


def leaving_share(
    policy: LeavingShare,
    *,
    balance: int,
    holders: int,
    contributed: int,
    contributed_by_all: int,
) -> int:
    """Points (0 to ``balance``) a member leaving takes from the household's account.

    ``holders`` counts the holders before the member leaves (the leaver included);
    ``contributed`` is what the leaver put in, ``contributed_by_all`` what all of them
    did (each at least 0). Shares round down.
    """
    if holders <= 1:
        return balance
    if policy == "nothing":
        return 0
    if policy == "equal_share":
        return balance // holders
    if contributed_by_all <= 0:
        return 0
    return balance * min(contributed, contributed_by_all) // contributed_by_all

"""Pure rules of referrals: their states and how a friend is shown."""

from __future__ import annotations

import uuid
from typing import Literal

ReferralState = Literal["pending"]
"""``pending``: the friend registered with the referrer's code; no reward is decided yet.
The reward's states (qualified, rewarded, cancelled, refused) come with the reward."""

PENDING: ReferralState = "pending"


def masked_friend(friend_member_id: uuid.UUID) -> str:
    """The friend as a referrer's list shows them: the last four hex digits of their member
    id, ``"****9e2b"``. Loyalty keeps no contact data, and the list must not hand a referrer
    the id that names the friend everywhere else."""
    return "****" + friend_member_id.hex[-4:]

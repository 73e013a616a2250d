from __future__ import annotations

import pytest

from services.customer.households import domain
from services.customer.households.errors import HeadLeavesLast, HouseholdFull


def test_a_household_takes_members_up_to_its_size() -> None:
    domain.check_room(domain.MAX_MEMBERS - 1)
    with pytest.raises(HouseholdFull) as full:
        domain.check_room(domain.MAX_MEMBERS)
    assert full.value.extensions == {"members": 10, "maximum": 10}


def test_the_head_leaves_last_and_the_last_to_leave_dissolves_it() -> None:
    assert domain.check_leaving(is_head=False, members=3) is False
    assert domain.check_leaving(is_head=True, members=1) is True
    assert domain.check_leaving(is_head=False, members=1) is True
    with pytest.raises(HeadLeavesLast) as refused:
        domain.check_leaving(is_head=True, members=2)
    assert refused.value.field == "card_number"
    assert "1 other" in refused.value.detail

"""What a leaving member takes, by hand and as properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.households.domain import LEAVING_SHARES, LeavingShare, leaving_share


def test_nothing_leaves_the_points_with_the_household() -> None:
    assert (
        leaving_share("nothing", balance=900, holders=3, contributed=500, contributed_by_all=900)
        == 0
    )


def test_an_equal_share_divides_the_balance_by_the_holders_rounding_down() -> None:
    # 1000 points, 3 holders: 333 each, the household keeps the remaining point
    assert (
        leaving_share("equal_share", balance=1000, holders=3, contributed=0, contributed_by_all=0)
        == 333
    )


def test_an_earned_share_is_in_proportion_to_what_the_member_put_in() -> None:
    # put in 300 of 1200; the household spent down to 800: 800 × 300 / 1200 = 200
    assert (
        leaving_share(
            "earned_share", balance=800, holders=2, contributed=300, contributed_by_all=1200
        )
        == 200
    )
    # 700 × 1 / 3 = 233.33, rounded down
    assert (
        leaving_share("earned_share", balance=700, holders=3, contributed=1, contributed_by_all=3)
        == 233
    )
    # nobody put anything in (the points came from adjustments): nothing to claim a share of
    assert (
        leaving_share("earned_share", balance=50, holders=2, contributed=0, contributed_by_all=0)
        == 0
    )


def test_the_last_holder_takes_everything_whatever_the_policy() -> None:
    for policy in LEAVING_SHARES:
        assert (
            leaving_share(policy, balance=77, holders=1, contributed=0, contributed_by_all=0) == 77
        )


@given(
    policy=st.sampled_from(LEAVING_SHARES),
    balance=st.integers(0, 2**53 - 1),
    holders=st.integers(1, 10),
    contributions=st.lists(st.integers(0, 2**40), min_size=10, max_size=10),
)
def test_a_share_is_never_more_than_the_balance(
    policy: LeavingShare, balance: int, holders: int, contributions: list[int]
) -> None:
    mine, everyone = contributions[0], sum(contributions[:holders])
    share = leaving_share(
        policy, balance=balance, holders=holders, contributed=mine, contributed_by_all=everyone
    )
    assert 0 <= share <= balance


@given(balance=st.integers(0, 10**9), holders=st.integers(2, 10))
def test_equal_shares_leave_the_household_the_rounding(balance: int, holders: int) -> None:
    share = leaving_share(
        "equal_share", balance=balance, holders=holders, contributed=0, contributed_by_all=0
    )
    assert 0 <= balance - share * holders < holders

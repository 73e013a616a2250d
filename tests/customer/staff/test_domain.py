"""The lockout rule and the password hash, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.customer.config import Settings
from services.customer.staff.domain import (
    RFC_9106_LOW_MEMORY,
    Checked,
    Lockout,
    password_hashing,
)

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


@given(failures=st.integers(1, 20), wrong=st.integers(0, 60))
def test_the_nth_wrong_password_in_a_row_locks_and_the_count_starts_again(
    failures: int, wrong: int
) -> None:
    rule, count, locks = Lockout(failures, timedelta(minutes=15)), 0, 0
    for _ in range(wrong):
        count, locked_until = rule.after_failure(count, NOW)
        if locked_until is not None:
            assert locked_until == NOW + timedelta(minutes=15)
            locks += 1
    assert (locks, count) == divmod(wrong, failures)


def test_hashes_are_argon2id_salted_and_check_only_their_password() -> None:
    """At the production costs (the rest of the suite hashes at the smallest)."""
    hashing = Settings().staff_password_hashing()
    assert hashing == RFC_9106_LOW_MEMORY
    first, second = hashing.hash("correct horse battery"), hashing.hash("correct horse battery")
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert first != second
    assert hashing.check(first, "correct horse battery") == Checked(True)
    assert not hashing.check(first, "correct horse batterY").matches
    assert not hashing.check(None, "correct horse battery").matches


def test_a_hash_made_at_other_costs_is_made_again_at_todays_when_it_matches() -> None:
    cheap, dearer = password_hashing(8, 1, 1), password_hashing(16, 2, 1)
    stored = cheap.hash("correct horse battery")
    checked = dearer.check(stored, "correct horse battery")
    assert checked.matches
    assert checked.rehashed is not None
    assert checked.rehashed.startswith("$argon2id$v=19$m=16,t=2,p=1$")
    assert dearer.check(checked.rehashed, "correct horse battery") == Checked(True)
    assert dearer.check(stored, "correct horse batterY") == Checked(False)


@pytest.mark.parametrize(
    "costs",
    [
        {"staff_password_memory_kib": 65535},
        {"staff_password_passes": 2},
        {"staff_password_lanes": 3},
    ],
)
def test_costs_below_rfc_9106_are_refused_outside_tests(costs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="test environment"):
        Settings(environment="development", **costs)
    assert (
        Settings(environment="test", **costs)
        .staff_password_hashing()
        .weaker_than(RFC_9106_LOW_MEMORY)
    )


def test_memory_below_8_kib_a_lane_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 8 per lane"):
        Settings(environment="test", staff_password_memory_kib=15, staff_password_lanes=2)

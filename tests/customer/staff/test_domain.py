"""The lockout rule and the password hash, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.customer.staff.domain import Lockout, check_password, hash_password

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
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second
    assert check_password(first, "correct horse battery").matches
    assert not check_password(first, "correct horse batterY").matches
    assert not check_password(None, "correct horse battery").matches

"""The pure rules of sign-in: codes, whether a try may use one, refresh tokens."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.customer.signin import domain
from services.customer.signin.domain import CodeState

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def test_codes_are_six_digits_and_vary() -> None:
    codes = {domain.new_code() for _ in range(200)}
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in codes)
    assert len(codes) > 190


@given(
    attempts=st.integers(0, 10),
    seconds_left=st.integers(-600, 600),
    used=st.booleans(),
    limit=st.integers(1, 10),
)
def test_a_code_is_usable_only_unused_unexpired_and_under_its_tries(
    attempts: int, seconds_left: int, used: bool, limit: int
) -> None:
    state = CodeState(attempts, NOW + timedelta(seconds=seconds_left), used)
    verdict = domain.code_verdict(state, now=NOW, max_attempts=limit)
    if used or seconds_left <= 0:
        assert verdict == "spent"
    elif attempts >= limit:
        assert verdict == "locked"
    else:
        assert verdict == "usable"


def test_equal_codes_of_two_rows_are_hashed_apart() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    assert domain.code_material(first, "042917") != domain.code_material(second, "042917")


def test_refresh_tokens_are_long_random_and_stored_by_hash() -> None:
    token = domain.new_refresh_token()
    assert re.fullmatch(r"hyr_[A-Za-z0-9_-]{43}", token)
    assert domain.refresh_token_hash(token) != token
    assert len(domain.refresh_token_hash(token)) == 64
    assert token != domain.new_refresh_token()


@given(st.floats(0, 86400), st.floats(0, 86400))
def test_retry_after_is_whole_seconds_never_below_one(resets_at: float, now: float) -> None:
    wait = domain.retry_after_seconds(resets_at, now)
    assert wait >= 1
    assert wait >= resets_at - now

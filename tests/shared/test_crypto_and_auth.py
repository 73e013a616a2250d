from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from shared.auth import Principal, decode_token, ensure_member_access, issue_token
from shared.crypto import PiiCipher, mask_email, mask_phone
from shared.errors import Forbidden, Unauthorized

SECRET = "a-test-secret-of-at-least-32-bytes!"


def test_pii_round_trips_and_hashes_are_keyed() -> None:
    cipher = PiiCipher("key-one")
    token = cipher.encrypt("13812345678")
    assert "13812345678" not in token
    assert cipher.decrypt(token) == "13812345678"
    assert cipher.phone_hash("+86 138-1234-5678") == cipher.phone_hash("13812345678")
    assert PiiCipher("key-two").phone_hash("13812345678") != cipher.phone_hash("13812345678")


def test_masks_hide_the_middle() -> None:
    assert mask_phone("+8613812345678") == "+86 138****5678"
    assert mask_email("lilei@example.com") == "l****@example.com"


def test_tokens_carry_role_or_member() -> None:
    member = uuid.uuid4()
    staff = decode_token(SECRET, issue_token(SECRET, subject="ops", role="marketing"))
    assert staff == Principal(subject="ops", role="marketing")
    own = decode_token(SECRET, issue_token(SECRET, subject="m", member_id=member))
    assert own.member_id == member
    with pytest.raises(Unauthorized):
        decode_token(
            "another-secret-that-is-long-enough!", issue_token(SECRET, subject="ops", role="admin")
        )
    with pytest.raises(Unauthorized):
        decode_token(
            SECRET, issue_token(SECRET, subject="ops", role="admin", ttl=timedelta(seconds=-5))
        )


def test_members_only_see_themselves() -> None:
    member = uuid.uuid4()
    ensure_member_access(Principal("m", member_id=member), member)
    with pytest.raises(Forbidden):
        ensure_member_access(Principal("m", member_id=member), uuid.uuid4())
    with pytest.raises(Forbidden):
        ensure_member_access(Principal("a", role="analyst"), member, "service")
    ensure_member_access(Principal("a", role="admin"), member)

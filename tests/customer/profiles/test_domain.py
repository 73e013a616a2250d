from __future__ import annotations

from services.customer.members.domain import sees_contact
from services.customer.profiles.domain import changed_fields, staff_only
from shared.preconditions import etag, matching_version


def test_only_fields_sent_and_different_count_as_changed_in_a_fixed_order() -> None:
    current = {"name": "李雷", "phone": "+8613812345678", "email": None, "locale": "zh-CN"}
    wanted = {"locale": "en", "email": "a@b.cn", "name": "李雷"}
    assert changed_fields(current, wanted) == ("email", "locale")
    assert changed_fields(current, {"email": None}) == ()


def test_a_member_may_not_move_their_birthday_store_or_restriction() -> None:
    assert staff_only(["restricted", "name", "birthday", "address"]) == ["birthday", "restricted"]
    assert staff_only(["phone", "email", "gender", "occupation", "locale"]) == []


def test_if_match_compares_strongly() -> None:
    assert matching_version('"3"', 3)
    assert matching_version(' "2", "3"', 3)
    assert not matching_version('W/"3"', 3)
    assert not matching_version('"2"', 3)
    assert etag(12) == '"12"'


def test_restricted_contact_is_for_admin_service_and_the_member() -> None:
    assert sees_contact(restricted=False, role="marketing", is_self=False)
    assert not sees_contact(restricted=True, role="marketing", is_self=False)
    assert not sees_contact(restricted=True, role="analyst", is_self=False)
    assert sees_contact(restricted=True, role="service", is_self=False)
    assert sees_contact(restricted=True, role="admin", is_self=False)
    assert sees_contact(restricted=True, role=None, is_self=True)

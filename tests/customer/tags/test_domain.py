"""Pure rules of tags and categories: name comparison, batch checks, depth and cycles."""

from __future__ import annotations

import uuid

import pytest

from services.customer.categories.domain import MAX_DEPTH, check_depth, check_move
from services.customer.categories.errors import CategoryCycle, CategoryTooDeep
from services.customer.tags.domain import check_members, distinct, name_key
from services.customer.tags.errors import MemberInactive
from shared.errors import UnknownMember


def test_names_compare_without_case_or_width() -> None:
    assert name_key(" ＶＩＰ ") == name_key("vip") == name_key("Vip") == "vip"
    assert name_key("新客户") != name_key("老客户")


def test_a_batch_names_its_first_bad_id() -> None:
    known, gone, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    found = {known: "active", gone: "inactive"}
    with pytest.raises(UnknownMember) as unknown:
        check_members([known, gone, stranger], found, adding=False)
    assert unknown.value.field == "member_ids.2"
    with pytest.raises(MemberInactive) as inactive:
        check_members([known, gone, stranger], found, adding=True)
    assert inactive.value.field == "member_ids.1"
    check_members([known, gone], found, adding=False)
    assert distinct([gone, known, gone]) == [gone, known]


def test_depth_counts_the_subtree_under_the_new_parent() -> None:
    path = [uuid.uuid4() for _ in range(MAX_DEPTH - 2)]
    check_depth(path, 2)
    with pytest.raises(CategoryTooDeep):
        check_depth(path, 3)
    check_depth([], MAX_DEPTH)
    with pytest.raises(CategoryTooDeep):
        check_depth([], MAX_DEPTH + 1)


def test_a_category_cannot_move_into_its_own_path() -> None:
    moving, other = uuid.uuid4(), uuid.uuid4()
    check_move(moving, [other])
    with pytest.raises(CategoryCycle):
        check_move(moving, [other, moving])

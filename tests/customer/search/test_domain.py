from __future__ import annotations

import pytest

from services.customer.search.domain import (
    Query,
    Unsearchable,
    classify,
    name_grams,
    surname_initial,
)


@pytest.mark.parametrize(
    ("name", "initial"),
    [
        ("李雷", "L"),
        ("王芳", "W"),
        # polyphonic characters read as surnames, not as their everyday reading
        ("单田芳", "S"),  # Shan, not Dan
        ("曾国藩", "Z"),  # Zeng, not Ceng
        ("解缙", "X"),  # Xie, not Jie
        ("仇英", "Q"),  # Qiu, not Chou
        ("区永", "O"),  # Ou, not Qu
        ("朴槿惠", "P"),
        ("查良镛", "Z"),  # Zha, not Cha
        ("盖聂", "G"),
        ("乐嘉", "Y"),  # Yue, not Le
        ("翟天临", "Z"),  # Zhai, not Di
        ("覃海", "Q"),  # Qin, not Tan
        # compound surnames
        ("欧阳修", "O"),
        ("司马光", "S"),
        ("长孙无忌", "Z"),  # Zhangsun, not Chang
        ("尉迟恭", "Y"),  # Yuchi, not Wei
        ("万俟卨", "M"),  # Moqi, not Wan
        # Latin names keep the first letter as written, full-width or not
        ("Li Lei", "L"),
        ("anna schmidt", "A"),
        ("Ｌｉ Ｌｅｉ", "L"),
        ("  曾静", "Z"),
        ("3号会员", None),
        ("·阿依", None),
    ],
)
def test_surname_initial(name: str, initial: str | None) -> None:
    assert surname_initial(name) == initial


@pytest.mark.parametrize(
    ("q", "query"),
    [
        ("138 1234 5678", Query(kind="number", phone="+8613812345678")),
        ("+86 (138) 1234-5678", Query(kind="number", phone="+8613812345678")),
        ("１３８１２３４５６７８", Query(kind="number", phone="+8613812345678")),
        ("8860000000017", Query(kind="number", card_number="8860000000017")),
        ("l", Query(kind="initial", text="L")),
        ("Ｓ", Query(kind="initial", text="S")),
        ("李", Query(kind="name", text="李")),
        ("LeI", Query(kind="name", text="lei")),
        ("li lei", Query(kind="name", text="li lei")),
        ("a1", Query(kind="name", text="a1")),
        ("%_", Query(kind="name", text="%_")),
    ],
)
def test_classify(q: str, query: Query) -> None:
    assert classify(q) == query


@pytest.mark.parametrize("q", ["   ", "12345", "8860000000018", "+8860000000017"])
def test_unsearchable(q: str) -> None:
    with pytest.raises(Unsearchable):
        classify(q)


def test_name_grams_are_the_short_pieces_without_spaces() -> None:
    assert name_grams("李小雷") == {"李", "小", "雷", "李小", "小雷"}
    assert name_grams("Li Lei") == {"l", "i", "e", "li", "le", "ei"}

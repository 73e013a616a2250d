"""Typed codes (coupons, referrals): check symbol, typing forgiveness, masking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.codes import (
    ALPHABET,
    display,
    is_well_formed,
    masked,
    new_code,
    normalise,
    with_check_symbol,
)


def test_a_new_code_is_well_formed_and_codes_differ() -> None:
    codes = {new_code() for _ in range(1_000)}
    assert len(codes) == 1_000
    assert all(len(code) == 13 and is_well_formed(code) for code in codes)


def test_the_check_symbol_is_the_value_mod_37() -> None:
    # 000000000001 is 1: check symbol "1"; 0000000000Z0 is 31×32 = 992 = 26×37 + 30: "Y"
    assert is_well_formed("0000000000011")
    assert is_well_formed("0000000000Z0Y")
    assert not is_well_formed("0000000000Z0X")


def test_a_typed_code_is_read_forgivingly() -> None:
    assert normalise("7k2m-qx9d 4htr-v") == "7K2MQX9D4HTRV"
    assert normalise("ILo0") == "1100"
    assert display("7K2MQX9D4HTRV") == "7K2M-QX9D-4HTR-V"
    assert masked("7K2MQX9D4HTRV") == "****-****-4HTR-V"


@given(st.text(ALPHABET, min_size=12, max_size=12), st.data())
def test_one_wrong_symbol_or_two_adjacent_swapped_is_refused(
    body: str, data: st.DataObject
) -> None:
    code = with_check_symbol(body)
    assert is_well_formed(code)
    at = data.draw(st.integers(min_value=0, max_value=11))
    other = data.draw(st.sampled_from(ALPHABET).filter(lambda symbol: symbol != code[at]))
    assert not is_well_formed(code[:at] + other + code[at + 1 :])
    if at < 11 and code[at] != code[at + 1]:
        assert not is_well_formed(code[:at] + code[at + 1] + code[at] + code[at + 2 :])

"""The SMS length kernel: GSM-7 160/153 septets, UCS-2 70/67 code units."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import sms

# the GSM 03.38 basic alphabet's printable ASCII (no backtick) and its extension table
GSM_BASIC = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + " .,!?:;@"),
    max_size=800,
)
GSM_EXTENDED = "{}[]~\\|^€"
ANY_TEXT = st.text(max_size=600)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("{" * 80, "GSM-7", 160, 1),  # an extension character costs two septets
        ("{" * 81, "GSM-7", 162, 2),
        ("积" * 70, "UCS-2", 70, 1),
        ("积" * 71, "UCS-2", 71, 2),
        ("积" * 134, "UCS-2", 134, 2),
        ("积" * 135, "UCS-2", 135, 3),
        ("a" * 69 + "积", "UCS-2", 70, 1),  # one Chinese character makes it all UCS-2
        ("a" * 150 + "`", "UCS-2", 151, 3),  # a backtick is ASCII but not GSM-7
        ("🎉" * 35, "UCS-2", 70, 1),  # outside the BMP: two code units each
        ("🎉" * 36, "UCS-2", 72, 2),
    ],
)
def test_lengths(text: str, encoding: str, units: int, segments: int) -> None:
    assert sms.length(text) == sms.Length(encoding, units, segments)  # type: ignore[arg-type]


@given(GSM_BASIC)
def test_gsm_text_fits_160_alone_and_153_per_part(text: str) -> None:
    length = sms.length(text)
    assert (length.encoding, length.units) == ("GSM-7", len(text))
    if len(text) <= 160:
        assert length.segments == 1
    else:
        assert (length.segments - 1) * 153 < len(text) <= length.segments * 153


@given(ANY_TEXT, st.sampled_from("积退订ç`🎉"))
def test_one_character_outside_gsm_makes_the_message_ucs2(text: str, other: str) -> None:
    length = sms.length(text + other)
    assert length.encoding == "UCS-2"
    assert length.units == len((text + other).encode("utf-16-le")) // 2
    if length.units <= 70:
        assert length.segments == 1
    else:
        assert (length.segments - 1) * 67 < length.units <= length.segments * 67


@given(ANY_TEXT, ANY_TEXT)
def test_a_longer_text_never_has_fewer_parts(text: str, more: str) -> None:
    assert sms.segments(text + more) >= sms.segments(text)


@given(GSM_BASIC, st.sampled_from(GSM_EXTENDED))
def test_an_extension_character_costs_two_septets(text: str, extended: str) -> None:
    assert sms.length(text + extended).units == len(text) + 2


def test_the_phone_shows_the_signature_first() -> None:
    assert sms.as_received("惠园", "您好") == "【惠园】您好"

"""The unsubscribe token, the List-Unsubscribe headers and the opt-out words, as pure
functions."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.messaging.optouts.domain import (
    Unsubscription,
    is_opt_out_reply,
    list_unsubscribe_headers,
    read_token,
    sign_token,
)

KEY = b"test-unsubscribe-key"
unsubscriptions = st.builds(
    Unsubscription,
    st.uuids(),
    st.sampled_from(["sms", "email"]),
    st.sampled_from(["marketing", "transactional"]),
)


@given(unsubscriptions)
def test_a_token_names_what_it_was_signed_for_and_nothing_readable(named: Unsubscription) -> None:
    token = sign_token(KEY, named)
    assert read_token(KEY, token) == named
    assert str(named.member_id) not in token
    assert len(token) == 46
    assert set(token) <= set(string.ascii_letters + string.digits + "-_")


@given(unsubscriptions, st.integers(min_value=0, max_value=45), st.sampled_from("AQw_-9"))
def test_a_changed_character_or_another_key_is_refused(
    named: Unsubscription, at: int, other: str
) -> None:
    token = sign_token(KEY, named)
    changed = token[:at] + other + token[at + 1 :]
    if changed != token:
        assert read_token(KEY, changed) is None
    assert read_token(b"another-brand", token) is None


@pytest.mark.parametrize("token", ["", "x", "not base64 !", "A" * 46, "A" * 200])
def test_garbage_is_no_token(token: str) -> None:
    assert read_token(KEY, token) is None


def test_the_headers_offer_one_click_and_mail() -> None:
    headers = list_unsubscribe_headers(
        "https://brand.example/u/{token}", "out@brand.example", "T0K"
    )
    assert headers == {
        "List-Unsubscribe": (
            "<https://brand.example/u/T0K>, <mailto:out@brand.example?subject=unsubscribe%20T0K>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@pytest.mark.parametrize(
    "text", ["T", " t ", "TD", "ｔｄ", "Ｔ", "退订", "退订。", "N", "stop", "STOP!", "Unsubscribe"]
)
def test_opt_out_words_trimmed_case_and_width_folded(text: str) -> None:
    assert is_opt_out_reply(text)


@pytest.mark.parametrize(
    "text", ["", "TT", "hello", "谢谢", "退订了吗", "不要退订", "stop it", "T D"]
)
def test_anything_else_is_not_an_opt_out(text: str) -> None:
    assert not is_opt_out_reply(text)

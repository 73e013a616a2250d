from __future__ import annotations

import pytest

from services.messaging.contacts.domain import (
    NOT_A_PHONE_NUMBER,
    Reach,
    phone_reach,
    phone_to_keep,
    sms_number,
)

# as customer publishes it now, and as the previous release stored and published it
E164_OF = {
    "+8613812345678": "+8613812345678",
    "13812345678": "+8613812345678",
    "+13125550147": "+13125550147",
    "447400123456": "+447400123456",
    # accepted by the previous release, refused by today's metadata: SMS still go there
    "447700900123": "+447700900123",
    "+861065529988": "+861065529988",
}
NOT_A_NUMBER = ["call me", "", "+86 138", "1" * 16]


@pytest.mark.parametrize(("given", "e164"), E164_OF.items())
def test_a_phone_is_kept_and_reached_as_e164(given: str, e164: str) -> None:
    assert sms_number(given) == e164
    assert phone_to_keep(given) == e164
    assert phone_reach(True, given) == Reach(True, e164)
    # its ciphertext is reused only if it holds the E.164 number itself
    kept = "ciphertext" if given == e164 else None
    assert phone_reach(True, given, "ciphertext") == Reach(True, e164, encrypted=kept)


@pytest.mark.parametrize("given", NOT_A_NUMBER)
def test_a_value_that_is_no_phone_number_is_kept_but_reaches_no_one(given: str) -> None:
    assert sms_number(given) is None
    assert phone_to_keep(given) == given
    assert phone_reach(True, given, "ciphertext") == Reach(True, None, NOT_A_PHONE_NUMBER)

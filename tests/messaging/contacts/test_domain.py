from __future__ import annotations

import pytest

from services.messaging.contacts.domain import Reach, phone_reach, phone_to_keep

# as customer publishes it now, and as the previous release stored and published it
E164_OF = {
    "+8613812345678": "+8613812345678",
    "13812345678": "+8613812345678",
    "+13125550147": "+13125550147",
    "447400123456": "+447400123456",
}
# no valid mobile number either way: too short, a mainland fixed line, not digits
NOT_MOBILE = ["12345", "+861065529988", "call me"]


@pytest.mark.parametrize(("given", "e164"), E164_OF.items())
def test_a_phone_is_kept_and_reached_as_e164(given: str, e164: str) -> None:
    assert phone_to_keep(given) == e164
    assert phone_reach(True, given) == Reach(True, e164)
    # its ciphertext is reused only if it holds the E.164 number itself
    kept = "ciphertext" if given == e164 else None
    assert phone_reach(True, given, "ciphertext") == Reach(True, e164, encrypted=kept)


@pytest.mark.parametrize("given", NOT_MOBILE)
def test_a_number_that_is_no_mobile_is_kept_but_reaches_no_one(given: str) -> None:
    assert phone_to_keep(given) == given
    reach = phone_reach(True, given)
    assert reach.address is None
    assert reach.unusable is not None
    assert reach.unusable.startswith("member's phone number ")
    assert given not in reach.unusable

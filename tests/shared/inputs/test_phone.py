"""Phone numbers: any usual way of typing a number gives one E.164 form and one lookup hash."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from pydantic import BaseModel, ValidationError

from shared.crypto import PiiCipher, e164_form_of_stored, e164_of_stored, mask_phone
from shared.inputs import Phone, PhoneNumberError, configure_inputs, to_e164
from shared.settings import BaseServiceSettings
from tests.shared.inputs.conftest import Configure


class Contact(BaseModel):
    phone: Phone


CIPHER = PiiCipher("a-test-pii-key")

MOBILE_EXAMPLES = {
    region: number
    for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    if (number := phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE))
}


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+1 312 555 0147", "+13125550147"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("13812345678", "+8613812345678"),
        ("(+86) 138.1234.5678", "+8613812345678"),
        ("＋８６ １３８ １２３４ ５６７８", "+8613812345678"),
        (" +44 7400 123456 ", "+447400123456"),
    ],
)
def test_typed_numbers_become_e164(configure: Configure, typed: str, e164: str) -> None:
    assert Contact(phone=typed).phone == e164
    assert CIPHER.phone_hash(typed) == CIPHER.lookup_hash(e164)


@given(
    region=st.sampled_from(sorted(MOBILE_EXAMPLES)),
    style=st.sampled_from(["e164", "international", "national", "from China"]),
)
def test_any_mobile_number_typed_any_way_hashes_the_same(region: str, style: str) -> None:
    number = MOBILE_EXAMPLES[region]
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    typed, reader = {
        "e164": (e164, "CN"),
        "international": (
            phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
            "CN",
        ),
        "national": (phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL), region),
        "from China": (phonenumbers.format_out_of_country_calling_number(number, "CN"), "CN"),
    }[style]
    assert to_e164(typed, reader) == e164
    assert CIPHER.lookup_hash(to_e164(typed, reader)) == CIPHER.phone_hash(e164)


def test_the_default_region_comes_from_settings(configure: Configure) -> None:
    with pytest.raises(ValidationError):
        Contact(phone="(312) 555-0147")  # a Chinese fixed line, not a mobile
    configure_inputs(BaseServiceSettings(phone_default_region="us"))
    assert Contact(phone="(312) 555-0147").phone == "+13125550147"
    assert Contact(phone="+86 138 1234 5678").phone == "+8613812345678"


def test_settings_refuse_a_region_without_numbering_plan() -> None:
    with pytest.raises(ValidationError, match="not a region"):
        BaseServiceSettings(phone_default_region="XX")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "must not be blank"),
        ("138 1234 567a", "may contain only digits, a leading +, spaces and the separators"),
        ("138-1234-5678 ext. 12", "may contain only digits"),
        ("+999 1234 5678", "has a country code no country uses"),
        ("+86 1", "is too short to be a phone number"),
        ("+86 138 1234 5678 9012 3456 7890", "is too long to be a phone number"),
        ("+86 138 1234 56789", "is not a valid phone number for country code +86"),
        ("010 1234 5678", "is not a mobile number, so it cannot receive SMS"),
        ("+1 800 555 0100", "is not a mobile number, so it cannot receive SMS"),
        ("1" * 33, "must be at most 32 characters long"),
    ],
)
def test_other_text_is_refused_in_words_that_do_not_repeat_it(
    configure: Configure, typed: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Contact(phone=typed)
    (error,) = refused.value.errors()
    assert error["loc"] == ("phone",)
    assert error["msg"].startswith(message)
    assert typed.strip() == "" or typed.strip() not in error["msg"]
    with pytest.raises(PhoneNumberError):
        CIPHER.phone_hash(typed)


def test_json_schema_describes_the_typed_form() -> None:
    schema = Contact.model_json_schema()["properties"]["phone"]
    assert schema["maxLength"] == 32
    assert "E.164" in schema["description"]
    for example in schema["examples"]:
        assert Contact(phone=example).phone.startswith("+")


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613812345678", "+86 138****5678"),
        ("+13125550147", "+1 312***0147"),
        ("+447400123456", "+44 740***3456"),
        ("+999123", "***123"),
        ("13812345678", "138****5678"),
        ("1234", "***4"),
    ],
)
def test_masks_keep_country_code_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(region=st.sampled_from(sorted(MOBILE_EXAMPLES)))
def test_masks_of_any_country_hide_at_least_three_digits(region: str) -> None:
    number = MOBILE_EXAMPLES[region]
    national = phonenumbers.national_significant_number(number)
    masked = mask_phone(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    country, _, shown = masked.partition(" ")
    assert country == f"+{number.country_code}"
    assert len(shown) == len(national)
    assert all(s in ("*", n) for s, n in zip(shown, national, strict=True))
    assert shown.count("*") >= 3
    if len(national) >= 7:
        assert shown.endswith(national[-4:])


@pytest.mark.parametrize(
    ("stored", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("447400123456", "+447400123456"),
        ("+8613812345678", "+8613812345678"),
        # typed +1 312 555 0147 and stored as these digits: the country code is lost
        ("13125550147", "+8613125550147"),
    ],
)
def test_stored_numbers_rehash_as_e164(stored: str, e164: str) -> None:
    moved = CIPHER.rehash_phone(CIPHER.encrypt(stored))
    assert moved.e164 == e164 == e164_of_stored(stored)
    assert CIPHER.decrypt(moved.encrypted) == e164
    assert moved.lookup_hash == CIPHER.phone_hash(e164)


@pytest.mark.parametrize("stored", ["12345", "86abc", "", "99912345678"])
def test_a_stored_value_that_is_no_mobile_number_is_left_to_the_migration(stored: str) -> None:
    with pytest.raises(PhoneNumberError):
        CIPHER.rehash_phone(CIPHER.encrypt(stored))


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("13812345678", "+8613812345678"),
        ("447700900123", "+447700900123"),  # refused by today's metadata, still written
        ("99912345678", "+99912345678"),
        ("+861065529988", "+861065529988"),
    ],
)
def test_a_stored_number_is_written_in_e164_without_being_validated(
    stored: str, written: str
) -> None:
    assert e164_form_of_stored(stored) == written


@pytest.mark.parametrize(
    "stored", ["", "+", "86abc", "1" * 16, "１３８１２３４５６７８", "+86 138"]
)
def test_only_digits_have_an_e164_form(stored: str) -> None:
    with pytest.raises(PhoneNumberError, match="1 to 15 digits"):
        e164_form_of_stored(stored)

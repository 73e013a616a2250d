"""A request is identified by its body as sent; keys of releases before 0.2 still match."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.idempotency import fingerprint, identify


class Line(BaseModel):
    sku: str
    quantity: int


class Sale(BaseModel):
    """A body whose validation normalises: phones are rewritten, times re-rendered."""

    phone: str
    purchased_at: datetime | None = None
    receipt_no: str | None = None
    lines: list[Line]

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        return "+86" + "".join(ch for ch in value if ch.isdigit())[-11:]


SENT = {
    "phone": "138 1234 5678",
    "purchased_at": "2026-11-23T16:15:02.09+08:00",
    "lines": [{"sku": "HP-1", "quantity": 2}],
}


def test_the_body_as_sent_identifies_a_request_whatever_its_key_order() -> None:
    reordered = {"lines": [{"quantity": 2, "sku": "HP-1"}], **SENT}
    assert identify(SENT).hash == identify(reordered).hash == fingerprint(SENT)
    assert identify({**SENT, "phone": "+8613812345678"}).hash != identify(SENT).hash


def test_a_key_stored_by_the_previous_release_still_matches_its_retry() -> None:
    """That release stored the hash of the body as it validated it: phones as sent,
    times as pydantic renders them, absent fields with their defaults."""
    validated = Sale.model_validate(SENT)
    previous_release = fingerprint(
        {
            "phone": "138 1234 5678",
            "purchased_at": "2026-11-23T16:15:02.090000+08:00",
            "receipt_no": None,
            "lines": [{"sku": "HP-1", "quantity": 2}],
        }
    )
    identity = identify(SENT, validated)
    assert identity.hash != previous_release
    assert identity.matches(previous_release)
    more = {**SENT, "lines": [{"sku": "HP-1", "quantity": 3}]}
    other = identify(more, Sale.model_validate(more))
    assert not other.matches(previous_release)


def test_path_values_are_part_of_the_identity() -> None:
    one = identify({"all": True}, path={"purchase_id": "a"})
    two = identify({"all": True}, path={"purchase_id": "b"})
    assert one.hash != two.hash
    assert one.hash == fingerprint({"purchase_id": "a", "all": True})


def test_integers_of_64_bits_or_more_do_not_break_the_fingerprint() -> None:
    assert identify({"points": 2**64}).hash != identify({"points": 2**64 + 1}).hash


def test_a_previous_release_key_of_another_body_does_not_match() -> None:
    validated = Sale.model_validate(SENT)
    stored_for_another_phone = fingerprint(
        {
            "phone": "139 1234 5678",
            "purchased_at": "2026-11-23T16:15:02.090000+08:00",
            "receipt_no": None,
            "lines": [{"sku": "HP-1", "quantity": 2}],
        }
    )
    assert not identify(SENT, validated).matches(stored_for_another_phone)


def test_the_route_is_part_of_the_identity_and_a_key_stored_without_it_still_matches() -> None:
    body = {"points": 1, "reason": "0"}
    adjust = identify(body, route="POST /members/m1/adjustments")
    redeem = identify(body, route="POST /members/m1/redemptions")
    other_member = identify(body, route="POST /members/m2/adjustments")
    assert len({adjust.hash, redeem.hash, other_member.hash}) == 3
    assert not redeem.matches(adjust.hash)
    # stored by the release before the route counted: its retry still finds its answer
    assert adjust.matches(fingerprint(body))


class Labelled(BaseModel):
    """A body with a field sent under an alias (``zh-CN``) or its name."""

    model_config = ConfigDict(validate_by_name=True, serialize_by_alias=True)

    zh_cn: str = Field(alias="zh-CN")
    en: str


def test_a_field_sent_under_its_alias_or_its_name_identifies_the_request() -> None:
    """The custom fields' labels: the earlier forms were looked up by field name only, so
    a body naming ``zh-CN`` failed (500) instead of being identified."""
    for sent in ({"zh-CN": " 肤质", "en": "Skin"}, {"zh_cn": " 肤质", "en": "Skin"}):
        identity = identify(sent, Labelled.model_validate(sent))
        assert identity.hash == fingerprint(sent)
        assert identity.matches(fingerprint({"zh_cn": " 肤质", "en": "Skin"}))
        assert not identity.matches(fingerprint({"zh_cn": "other", "en": "Skin"}))

"""No event carries personal data (events carry ids only; ``shared.events.customer``):
no field of any event, or of the parts nested in one, is named for a person's contact data
(phone, email, birthday, gender, address, occupation, anything ``*_encrypted``, and, on a
payload about a member, their name) while holding text or a date, nor typed as a phone
number, email address or birthday. (Products, tiers, campaigns and segments have names.)

The one exception is ``customer.signin.code_requested``: a phone with no member yet cannot
be read from customer, so its number travels encrypted (docs/security.md says so)."""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from shared.events.customer import MemberRegistered, MemberUpdated, SigninCodeRequested
from shared.events.registry import EVENT_TYPES
from shared.inputs.emails import Email, EmailAddress
from shared.inputs.phone import PhoneNumber
from shared.inputs.times import Birthday

PERSONAL_WORDS = {"phone", "email", "birthday", "gender", "address", "occupation"}
MEMBER_NAMES = {"name", "member_name", "full_name", "surname"}
"""A person's name, on a payload (or part) with a ``member_id``."""
PERSONAL_TYPES = (EmailAddress, PhoneNumber, Birthday)
ALLOWED = {(SigninCodeRequested, "phone_encrypted"), (SigninCodeRequested, "code_encrypted")}
NOT_PERSONAL = {"phone_hash"}
"""The keyed lookup hash of a phone number: tills find the member by it; no one can read
the number back from it without the key."""


def _leaves(annotation: object) -> Iterator[object]:
    """The types a field's annotation is made of (unions, containers, Annotated unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _leaves(typing.get_args(annotation)[0])
    elif origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _leaves(argument)
    else:
        yield annotation


def _markers(annotation: object) -> Iterator[object]:
    """The ``Annotated`` metadata anywhere in an annotation (``Email | None`` included)."""
    if typing.get_origin(annotation) is typing.Annotated:
        yield from typing.get_args(annotation)[1:]
    for argument in typing.get_args(annotation):
        yield from _markers(argument)


def _fields(model: type[BaseModel]) -> Iterator[tuple[type[BaseModel], str, FieldInfo]]:
    """Every field of ``model`` and of the models nested in it."""
    for name, field in model.model_fields.items():
        yield model, name, field
        for leaf in _leaves(field.annotation):
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                yield from _fields(leaf)


def _holds_text_or_a_date(field: FieldInfo) -> bool:
    return any(leaf in (str, datetime.date) for leaf in _leaves(field.annotation))


def _personal(model: type[BaseModel]) -> list[str]:
    """The personal fields of ``model`` and the parts nested in it, by name or type."""
    personal = []
    for owner, name, field in _fields(model):
        if (owner, name) in ALLOWED or name in NOT_PERSONAL:
            continue
        about_member = "member_id" in owner.model_fields
        named = (
            set(name.split("_")) & PERSONAL_WORDS
            or name.endswith("_encrypted")
            or (about_member and name in MEMBER_NAMES)
        ) and _holds_text_or_a_date(field)
        markers = [*field.metadata, *_markers(field.annotation)]
        typed = any(isinstance(marker, PERSONAL_TYPES) for marker in markers)
        if named or typed:
            personal.append(name if owner is model else f"{owner.__name__}.{name}")
    return personal


def test_no_event_field_is_personal_by_name_or_type() -> None:
    found = {event_type: _personal(model) for event_type, model in EVENT_TYPES.items()}
    assert {event_type: fields for event_type, fields in found.items() if fields} == {}


def test_the_check_finds_what_events_used_to_carry() -> None:
    """The check above finds the fields registrations and updates carried before (an email
    typed as one found by its type alone)."""

    class Before(BaseModel):
        member_id: str
        name: str
        phone: str
        birthday: datetime.date | None = None
        birthday_encrypted: str | None = None
        reach: Email | None = None

    assert _personal(Before) == ["name", "phone", "birthday", "birthday_encrypted", "reach"]


def test_events_published_before_still_parse_without_their_contact_data() -> None:
    """The topics and dead letters hold registrations and updates of the previous release:
    they parse, and what they carried beyond the contract is dropped."""
    member_id = "7d1c0a52-3b6e-4f0e-9a41-2c8e5b7f9d10"
    registered = MemberRegistered.model_validate(
        {
            "member_id": member_id,
            "card_number": "8860000000017",
            "name": "李雷",
            "phone": "+8613812345678",
            "phone_hash": "a" * 64,
            "email": "lilei@example.com",
            "birthday": "1990-05-04",
            "gender": "male",
            "registered_at": "2026-11-01T08:00:00Z",
        }
    )
    updated = MemberUpdated.model_validate(
        {
            "member_id": member_id,
            "changed": ["phone", "phone_hash", "birthday"],
            "phone": "+8613812345678",
            "phone_hash": "b" * 64,
            "phone_encrypted": "gAAAAA-phone",
            "birthday_encrypted": "gAAAAA-birthday",
            "updated_at": "2026-11-02T08:00:00Z",
        }
    )
    assert "李雷" not in registered.model_dump_json()
    assert "+8613812345678" not in registered.model_dump_json() + updated.model_dump_json()
    assert "encrypted" not in updated.model_dump_json()
    assert (registered.phone_hash, updated.changed) == (
        "a" * 64,
        ("phone", "phone_hash", "birthday"),
    )

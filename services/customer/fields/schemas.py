"""Request and response bodies of custom fields, and the type of a member's values.

Input bounds: ``key`` 1-40 characters ``[a-z][a-z0-9_]*`` (immutable); labels 1-50
characters on one line, in zh-CN and en; at most 100 choices, each a code of 1-32
characters ``[a-z0-9][a-z0-9_-]*`` with labels; ``max_length`` 1-500 characters (text);
``minimum``/``maximum`` integers within ±(2^53 - 1) (number). A member's values: at most
50 keys, each an integer or a string of at most 500 characters (``null`` clears one in a
``PATCH``); what each may be is its definition's (:mod:`.domain`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from services.customer.fields.domain import (
    CHOICE_PATTERN,
    KEY_PATTERN,
    MAX_CHOICES,
    MAX_TEXT_LENGTH,
    NUMBER_BOUND,
    FieldType,
)
from shared.inputs import Code, SingleLine

MAX_LABEL_LENGTH = 50
MAX_VALUES = 50

FieldKey = Annotated[
    str,
    Code(
        40,
        pattern=KEY_PATTERN,
        charset="lower-case letters a-z, digits and _, starting with a letter",
    ),
]
ChoiceCode = Annotated[
    str,
    Code(
        32,
        pattern=CHOICE_PATTERN,
        charset="lower-case letters a-z, digits, _ and -, starting with a letter or digit",
    ),
]
Label = Annotated[str, SingleLine(MAX_LABEL_LENGTH)]
Bound = Annotated[int, Field(ge=-NUMBER_BOUND, le=NUMBER_BOUND, strict=True)]


def _custom_value(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= NUMBER_BOUND:
        return value
    if isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH:
        return value
    raise PydanticCustomError(
        "custom_value",
        f"must be an integer within ±{NUMBER_BOUND} or a string of at most "
        f"{MAX_TEXT_LENGTH} characters",
    )


CustomValue = Annotated[
    int | str,
    PlainValidator(_custom_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": -NUMBER_BOUND, "maximum": NUMBER_BOUND},
                {"type": "string", "maxLength": MAX_TEXT_LENGTH, "pattern": "^[^\\u0000]*$"},
            ]
        }
    ),
]
"""A member's value of a custom field as sent: its definition decides what it may be."""
CustomValues = Annotated[dict[FieldKey, CustomValue], Len(0, MAX_VALUES)]
CustomPatch = Annotated[dict[FieldKey, CustomValue | None], Len(0, MAX_VALUES)]


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_by_name=True, serialize_by_alias=True)

    zh_cn: Label = Field(alias="zh-CN", description="Shown to staff working in Chinese")
    en: Label = Field(description="Shown to staff working in English")


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: ChoiceCode = Field(description="Stored as the member's value; never changes")
    labels: Labels


Choices = Annotated[list[Choice], Len(0, MAX_CHOICES)]
MaxLength = Annotated[int, Field(ge=1, le=MAX_TEXT_LENGTH, strict=True)]

_SKIN_TYPE: dict[str, Any] = {
    "key": "skin_type",
    "labels": {"zh-CN": "肤质", "en": "Skin type"},
    "type": "choice",
    "choices": [
        {"code": "dry", "labels": {"zh-CN": "干性", "en": "Dry"}},
        {"code": "oily", "labels": {"zh-CN": "油性", "en": "Oily"}},
    ],
    "required": False,
    "searchable": True,
}


class FieldCreate(BaseModel):
    """A field's definition. ``choices`` only for ``choice``; ``max_length`` (characters,
    500 when left out) only for ``text``; ``minimum``/``maximum`` (integers) only for
    ``number``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_SKIN_TYPE]})

    key: FieldKey = Field(description="Names the field in values and searches; immutable")
    labels: Labels
    type: FieldType
    choices: Choices = []
    required: bool = Field(False, strict=True, description="Every registration must give it")
    searchable: bool = Field(False, strict=True, description="`GET /members?field.<key>=…`")
    max_length: MaxLength | None = None
    minimum: Bound | None = None
    maximum: Bound | None = None


class FieldChange(BaseModel):
    """A merge patch of a definition: a field left out stays. ``choices`` is the whole
    list after the change (new codes added, labels changed; a code a member has cannot be
    removed). ``max_length``, ``minimum`` and ``maximum`` may be ``null`` (no bound)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"required": True, "labels": _SKIN_TYPE["labels"]}]},
    )

    labels: Labels | None = None
    type: FieldType | None = None
    choices: Choices | None = None
    required: bool | None = Field(None, strict=True)
    searchable: bool | None = Field(None, strict=True)
    max_length: MaxLength | None = None
    minimum: Bound | None = None
    maximum: Bound | None = None

    @field_validator("labels", "type", "choices", "required", "searchable")
    @classmethod
    def _kept(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null: leave it out to keep it")
        return value


class FieldOut(FieldCreate):
    """A definition; ``status`` ``retired`` (since ``retired_at``, UTC): no longer written
    or shown, its values kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _SKIN_TYPE
                | {
                    "max_length": None,
                    "minimum": None,
                    "maximum": None,
                    "status": "active",
                    "retired_at": None,
                    "created_at": "2026-11-30T10:00:00Z",
                    "updated_at": "2026-11-30T10:00:00Z",
                }
            ]
        }
    )

    status: Literal["active", "retired"]
    retired_at: datetime | None
    created_at: datetime
    updated_at: datetime


class FieldPage(BaseModel):
    items: list[FieldOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")

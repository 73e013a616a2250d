"""Request and response bodies of the members API, and the types of its query values.

Input bounds: ``name`` 1-100 characters on one line (the ``members.name`` column, and the
contact name messaging keeps); ``phone`` a mobile number typed any usual way, kept as
E.164; ``email`` at most 254 characters; ``birthday`` 1900-01-01 to today in the business
timezone; ``card_number`` 2-32 digits whose last is a Luhn check digit;
``referral_code`` a member's referral code typed any usual way (case, hyphens, spaces, I/L
for 1, O for 0), kept in stored form and refused if its check symbol does not match. See
:mod:`shared.inputs` for what each type refuses.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from services.customer.categories.schemas import NEW_ID, RETAIL_ID, CategoryRef
from services.customer.consents.schemas import ConsentRecords
from services.customer.fields.schemas import CustomValues
from services.customer.joining.schemas import CardFeeIn, Qualification, QualificationOut
from services.customer.members.domain import CARD_NUMBER_MAX_LENGTH, is_valid_card_number
from services.customer.tags.schemas import TAG_ID, TagRef
from shared import codes
from shared.events.customer import Gender, Locale
from shared.inputs import BirthDate, Code, Email, Phone, SingleLine

MAX_NAME_LENGTH = 100
MAX_ADDRESS_LENGTH = 200
MAX_OCCUPATION_LENGTH = 100
Status = Literal["active", "inactive"]


def _check_digit_matches(number: str) -> str:
    if not is_valid_card_number(number):
        raise PydanticCustomError(
            "card_number_check_digit", "has a last digit that does not check: is it mistyped?"
        )
    return number


CardNumber = Annotated[
    str,
    Code(CARD_NUMBER_MAX_LENGTH, pattern=r"^[0-9]+$", charset="digits 0-9", min_length=2),
    AfterValidator(_check_digit_matches),
]
"""A membership card number as printed: digits, the last a Luhn check digit."""


def _well_formed_code(typed: str) -> str:
    code = codes.normalise(typed)
    if not codes.is_well_formed(code):
        raise PydanticCustomError(
            "referral_code_check", "is not a referral code: is a symbol mistyped or missing?"
        )
    return code


ReferralCode = Annotated[codes.TypedCode, AfterValidator(_well_formed_code)]
"""A referral code as a member reads it out (``7K2M-QX9D-4HTR-D``), in stored form."""


class MarketingConsent(BaseModel):
    """Consent to marketing messages (welcome, birthday, holiday, win-back, campaigns,
    surveys) per channel, on top of the channel's own: a marketing SMS needs both."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sms: bool = Field(description="The member agreed to marketing SMS")
    email: bool = Field(description="The member agreed to marketing email")


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    # releases before 0.2 hashed an Idempotency-Key's body as validated, without it
    FIELDS_SINCE_0_2: ClassVar[frozenset[str]] = frozenset({"marketing"})

    sms: bool = Field(False, description="The member agreed to receive SMS")
    email: bool = Field(False, description="The member agreed to receive email")
    marketing: MarketingConsent | None = Field(
        None,
        description="Marketing consent per channel; at registration, absent means the "
        "channel's own choice",
    )

    def marketing_or_channel(self) -> MarketingConsent:
        """The marketing consent given, or the channels' own when none was."""
        return self.marketing or MarketingConsent(sms=self.sms, email=self.email)


class MemberCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "李雷",
                    "phone": "13812345678",
                    "email": "lilei@example.com",
                    "birthday": "1990-05-20",
                    "gender": "male",
                    "locale": "zh-CN",
                    "consent": {"sms": True, "email": True},
                }
            ]
        },
    )

    name: Annotated[str, SingleLine(MAX_NAME_LENGTH)]
    phone: Phone
    email: Email | None = None
    birthday: BirthDate | None = None
    gender: Gender | None = None
    locale: Locale = "zh-CN"
    consent: Consent = Consent()
    store_id: uuid.UUID | None = Field(None, description="The store where the member joined")
    referral_code: ReferralCode | None = Field(
        None, description="The referral code of the member who brought them (老带新), if any"
    )
    qualification: Qualification | None = Field(
        None, description="What admits them under the joining policy (attested by the caller)"
    )
    card_fee: CardFeeIn | None = Field(None, description="The card fee, when the policy has one")
    custom_fields: CustomValues | None = Field(
        None, description="Values of the brand's custom fields by key (GET /custom-fields)"
    )

    FIELDS_SINCE_0_2: ClassVar[frozenset[str]] = frozenset(
        {"referral_code", "qualification", "card_fee", "custom_fields"}
    )
    """Unknown to the release whose idempotency fingerprints ``shared.idempotency`` still
    recognises: a sign-up it stored is retried without it."""


_MEMBER_ID = "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b"


class MemberOut(BaseModel):
    """A member's profile; ``phone`` in E.164 (or as stored, for a number that predates it).

    ``contact_masked``: the profile is restricted (加密客户) and the caller is neither admin
    nor service staff nor the member, so ``phone``, ``email`` and ``address`` are masked
    (``+86 138****5678``, ``l****@example.com``, ``上海市****``). ``version`` is the
    ``ETag`` a ``PATCH`` names in ``If-Match``.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _MEMBER_ID,
                    "card_number": "8860000000017",
                    "name": "李雷",
                    "phone": "+8613812345678",
                    "email": "lilei@example.com",
                    "birthday": "1990-05-20",
                    "gender": "male",
                    "locale": "zh-CN",
                    "consent": {"sms": True, "email": True},
                    "store_id": None,
                    "referral_code": "7K2M-QX9D-4HTR-D",
                    "address": "上海市徐汇区漕溪北路 1 号",
                    "occupation": "教师",
                    "status": "active",
                    "locked": False,
                    "restricted": False,
                    "contact_masked": False,
                    "version": 1,
                    "custom_fields": {"skin_type": "dry"},
                    "created_at": "2026-11-23T08:15:02Z",
                    "tags": [{"id": TAG_ID, "name": "VIP", "color": "#e4572e"}],
                    "category": {
                        "id": NEW_ID,
                        "name": "新客户",
                        "path": [
                            {"id": RETAIL_ID, "name": "零售客户"},
                            {"id": NEW_ID, "name": "新客户"},
                        ],
                    },
                }
            ]
        }
    )

    id: uuid.UUID
    card_number: str
    name: str
    phone: str
    email: str | None
    birthday: date | None
    gender: Gender | None
    locale: Locale
    consent: Consent
    store_id: uuid.UUID | None
    referral_code: str = Field(description="The member's own code to give friends, grouped")
    address: str | None = None
    occupation: str | None = None
    status: Status = "active"
    locked: bool = Field(False, description="加锁: cannot be erased, merged or deactivated")
    restricted: bool = Field(False, description="加密客户: contact data for admin and service")
    contact_masked: bool = False
    version: int = 1
    qualification: QualificationOut | None = Field(
        None, description="How they qualified to join (none: open policy or imported)"
    )
    consent_record: ConsentRecords = Field(
        ConsentRecords(), description="When each channel's consent was given or withdrawn"
    )
    custom_fields: dict[str, int | str] = Field(
        default_factory=dict,
        description="Values of the active custom fields by key: text, integer, a choice's "
        "code or a date (YYYY-MM-DD)",
    )
    created_at: datetime
    tags: list[TagRef] | None = Field(
        None, description="Staff reading `GET /members/{id}`: the member's tags, by name"
    )
    category: CategoryRef | None = Field(
        None, description="Staff reading `GET /members/{id}`: the member's category, with path"
    )


class MemberCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": _MEMBER_ID, "card_number": "8860000000017"}]}
    )

    id: uuid.UUID
    card_number: str


class MemberListItem(BaseModel):
    """A row of a member list: contact data is masked."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _MEMBER_ID,
                    "card_number": "8860000000017",
                    "name": "李雷",
                    "phone_masked": "+86 138****5678",
                    "email_masked": "l****@example.com",
                    "status": "active",
                    "created_at": "2026-11-23T08:15:02Z",
                }
            ]
        }
    )

    id: uuid.UUID
    card_number: str
    name: str
    phone_masked: str
    email_masked: str | None
    status: Status = "active"
    created_at: datetime


class MemberPage(BaseModel):
    items: list[MemberListItem]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page")

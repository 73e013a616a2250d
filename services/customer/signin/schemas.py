"""Request and response bodies of member sign-in. ``phone`` is a mobile number typed any
usual way (kept as E.164); ``code`` 6 digits; a refresh token ``hyr_`` and 43 URL-safe
base64 characters. Durations are in seconds."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.customer.members.schemas import MAX_NAME_LENGTH, Consent, ReferralCode
from services.customer.signin.domain import CODE_DIGITS, Purpose
from shared.events.customer import Locale
from shared.inputs import Code, Email, Phone, SingleLine

SigninCodeText = Annotated[
    str,
    Code(CODE_DIGITS, pattern=r"^[0-9]{6}$", charset="6 digits 0-9", min_length=CODE_DIGITS),
]
RefreshTokenText = Annotated[
    str,
    Code(47, pattern=r"^hyr_[A-Za-z0-9_-]{43}$", charset="hyr_ and 43 letters, digits, - or _"),
]
_PHONE = "13812345678"
_REFRESH = "hyr_3q2Vb8mXk1Tz0pLr7YwNc5sHd4Ju9Ga6Fe2Qo8Ki1Ux"
_MEMBER_ID = "7d1c0a52-7a7e-4d39-9a55-0c8f4c1f9e2b"


class CodeRequest(BaseModel):
    """Send a one-time code to ``phone`` by SMS, to sign in (the phone's member) or sign
    up (a phone without one). ``locale``: the SMS's language for a phone without a member
    (a member's own language wins)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"phone": _PHONE, "purpose": "sign_in"},
                {"phone": _PHONE, "purpose": "sign_up", "locale": "en"},
            ]
        },
    )

    phone: Phone
    purpose: Purpose = "sign_in"
    locale: Locale = "zh-CN"


class CodeRequested(BaseModel):
    """The same answer whether or not a code was sent (no one learns who is a member)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "accepted", "expires_in": 300}]}
    )

    status: Literal["accepted"] = "accepted"
    expires_in: int = Field(description="Seconds a code sent now stays good")


class SignUp(BaseModel):
    """Who joins, when the phone has no member yet: the member's name, consent per
    channel (to marketing too, or the channel's own), and optionally email, language and
    the referral code of the member who brought them."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, SingleLine(MAX_NAME_LENGTH)]
    email: Email | None = None
    locale: Locale = "zh-CN"
    consent: Consent = Consent()
    referral_code: ReferralCode | None = None


class SessionRequest(BaseModel):
    """Sign in with the code sent to ``phone``; with ``sign_up``, a phone without a
    member joins first."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"phone": _PHONE, "code": "042917"},
                {
                    "phone": _PHONE,
                    "code": "042917",
                    "sign_up": {"name": "李雷", "consent": {"sms": True, "email": False}},
                },
            ]
        },
    )

    phone: Phone
    code: SigninCodeText
    sign_up: SignUp | None = Field(None, description="Needed only when the phone has no member")


class TokenPair(BaseModel):
    """A member access token (a bearer JWT for every service) and the refresh token that
    gets the next pair (once: each refresh answers a new one)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOi…",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "refresh_token": _REFRESH,
                    "refresh_expires_in": 2592000,
                    "member_id": _MEMBER_ID,
                    "created": False,
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is good for")
    refresh_token: str
    refresh_expires_in: int = Field(description="Seconds the refresh token is good for")
    member_id: uuid.UUID
    created: bool = Field(False, description="The member joined with this sign-in")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"refresh_token": _REFRESH}]}
    )

    refresh_token: RefreshTokenText


class RevokeAllRequest(BaseModel):
    """Whose sign-ins to revoke: a member's own (a member token may leave it out), or the
    member a staff user names."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"member_id": _MEMBER_ID}, {}]}
    )

    member_id: uuid.UUID | None = None


class Revoked(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"revoked": 2}]})

    revoked: int = Field(description="Sign-ins (refresh token families) revoked by this call")

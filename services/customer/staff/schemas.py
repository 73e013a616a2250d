"""Request and response bodies of staff accounts and staff sign-in.

Logins are 1-128 letters, digits and ``. _ @ + -``, kept lower-case; passwords 12-256
characters, never returned nor logged. Times are UTC.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from services.customer.staff.domain import (
    LOGIN_PATTERN,
    MAX_LOGIN_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
)
from shared.inputs import Code
from shared.tokens import Role

Login = Annotated[
    str,
    Code(MAX_LOGIN_LENGTH, pattern=LOGIN_PATTERN, charset="letters, digits and . _ @ + -"),
    AfterValidator(str.lower),
]
# any character but the control characters (a password is kept as typed: not trimmed)
PASSWORD_PATTERN = r"^[^\u0000-\u001f\u007f]+$"
Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        pattern=PASSWORD_PATTERN,
        description=f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
    ),
]

STAFF_ID = "5e2f8a41-93c7-4b0d-8f16-2a7d9c3e1b54"
STORE_ID = "0b7e4c2a-1d3f-4a5b-9c8d-7e6f5a4b3c2d"


class StaffCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "login": "wang.fang@brand.example",
                    "password": "correct horse battery",
                    "role": "manager",
                    "store_id": STORE_ID,
                }
            ]
        },
    )

    login: Login
    password: Password
    role: Role
    store_id: uuid.UUID | None = Field(
        None, description="Only for a manager: the one store (orders' store id) they manage"
    )


class StaffPatch(BaseModel):
    """A merge patch: a field left out stays; ``store_id: null`` removes the store scope."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "service", "store_id": None, "disabled": True}]},
    )

    role: Role | None = None
    store_id: uuid.UUID | None = None
    disabled: bool | None = Field(None, description="true: the account can no longer sign in")
    password: Password | None = Field(None, description="A new password (set by an admin)")


_STAFF: dict[str, JsonValue] = {
    "id": STAFF_ID,
    "login": "wang.fang@brand.example",
    "role": "manager",
    "store_id": STORE_ID,
    "disabled": False,
    "locked_until": None,
    "created_at": "2026-12-01T04:00:00Z",
    "updated_at": "2026-12-01T04:00:00Z",
}


class StaffOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_STAFF]})

    id: uuid.UUID
    login: str = Field(description="In full here; masked in lists (w****@brand.example)")
    role: Role
    store_id: uuid.UUID | None
    disabled: bool
    locked_until: datetime | None = Field(
        description="Sign-ins are refused until then, after too many wrong passwords"
    )
    created_at: datetime
    updated_at: datetime


class StaffPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [_STAFF | {"login": "w****@brand.example"}], "next_cursor": None}
            ]
        }
    )

    items: list[StaffOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class SignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"login": "wang.fang@brand.example", "password": "correct horse battery"}]
        },
    )

    login: Login
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, pattern=PASSWORD_PATTERN)


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery",
                    "new_password": "staple battery horse correct",
                }
            ]
        },
    )

    current_password: str = Field(
        min_length=1, max_length=MAX_PASSWORD_LENGTH, pattern=PASSWORD_PATTERN
    )
    new_password: Password


class AccessToken(BaseModel):
    """A staff sign-in: an access token for every service and the refresh token that gets
    the next one (``POST /staff/sessions/refresh``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYxMjAxLTNmOWEwYzFkMmU0YiJ9…",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "hyr_Vq0c3kq1Rj2m8T0wX5nA7bYd9eFh1iKl3oPq5sUv7xY",
                    "refresh_expires_in": 43200,
                    "role": "manager",
                    "store_id": STORE_ID,
                }
            ]
        }
    )

    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>`")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid for")
    refresh_token: str = Field(
        description="Exchange it for the next pair before `refresh_expires_in`; it works once"
    )
    refresh_expires_in: int = Field(description="Seconds the refresh token is good for")
    role: Role
    store_id: uuid.UUID | None

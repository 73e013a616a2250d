"""HTTP routes of staff accounts (admin) and staff sign-in."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.customer.config import Settings
from services.customer.staff import service
from services.customer.staff.domain import Lockout, PasswordHashing
from services.customer.staff.errors import (
    SignInLocked,
    SignInRefused,
    StaffLoginTaken,
    StaffNotFound,
    StoreScopeNotForRole,
)
from services.customer.staff.schemas import (
    AccessToken,
    SignIn,
    StaffCreate,
    StaffOut,
    StaffPage,
    StaffPatch,
)
from shared.auth import Principal, require_roles
from shared.db import transaction
from shared.dependencies import Cipher, Signer
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import Cursor, PageSize

router = APIRouter(prefix="/staff", tags=["staff"])
Admin = Annotated[Principal, Depends(require_roles())]


def _hashing(request: Request) -> PasswordHashing:
    settings: Settings = request.app.state.settings
    return settings.staff_password_hashing()


Hashing = Annotated[PasswordHashing, Depends(_hashing)]

NOT_FOUND = problem(StaffNotFound("No staff account with id 5e2f8a41-…"))
SCOPE = problem(StoreScopeNotForRole("A store scope is for managers, not for the analyst role"))
ROLES = (
    " Roles: admin (everything), marketing, service (the service desk), analyst, manager "
    "(a store manager, optionally scoped to one store: the token then carries `store_id`)."
)


@router.post(
    "",
    status_code=201,
    response_model=StaffOut,
    summary="Create a staff account",
    description="Admin. The password is hashed with Argon2id and never shown again." + ROLES,
    responses={**problem(StaffLoginTaken("A staff account with the login 'wang' exists")), **SCOPE},
)
async def create_staff(
    body: StaffCreate, session: Session, cipher: Cipher, hashing: Hashing, _: Admin
) -> JSONResponse:
    created = await service.create_staff(session, cipher, hashing, body)
    return JSONResponse(
        created.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/staff/{created.id}"},
    )


@router.get(
    "",
    response_model=StaffPage,
    summary="List staff accounts",
    description="Admin. In creation order, `limit` at a time; logins are masked.",
)
async def list_staff(
    session: Session,
    cipher: Cipher,
    _: Admin,
    limit: Annotated[PageSize, Query(description="Accounts per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> StaffPage:
    return await service.list_staff(session, cipher, limit, cursor)


@router.get(
    "/{staff_id}",
    response_model=StaffOut,
    summary="Read a staff account",
    description="Admin. The login in full.",
    responses=NOT_FOUND,
)
async def get_staff(staff_id: uuid.UUID, session: Session, cipher: Cipher, _: Admin) -> StaffOut:
    return await service.get_staff(session, cipher, staff_id)


@router.patch(
    "/{staff_id}",
    response_model=StaffOut,
    summary="Change a staff account's role, store scope, password, or disable it",
    description=(
        "Admin. A merge patch. A role other than manager drops the store scope. A new "
        "password lifts a lockout. Tokens already issued stay valid until they expire "
        "(at most `staff_session_hours`)." + ROLES
    ),
    responses={**NOT_FOUND, **SCOPE},
)
async def update_staff(
    staff_id: uuid.UUID,
    body: StaffPatch,
    session: Session,
    cipher: Cipher,
    hashing: Hashing,
    _: Admin,
) -> StaffOut:
    return await service.update_staff(session, cipher, hashing, staff_id, body)


@router.post(
    "/sessions",
    status_code=201,
    response_model=AccessToken,
    summary="Sign in with a login and a password",
    description=(
        "Anyone. Answers a staff access token (EdDSA, signed by this service; every "
        "service accepts it) naming the account's role and store scope. Wrong passwords "
        "in a row (`staff_lockout_failures`) lock the account for `staff_lockout_minutes`: "
        "429 with `Retry-After`, even with the right password."
    ),
    responses={
        **problem(SignInRefused("The login or the password is wrong, or the account is disabled")),
        **problem(SignInLocked("Too many wrong passwords: sign-in is locked until 04:15:00 UTC")),
    },
)
async def sign_in(
    request: Request, body: SignIn, cipher: Cipher, signer: Signer, hashing: Hashing
) -> AccessToken:
    settings: Settings = request.app.state.settings
    policy = service.SignInPolicy(
        Lockout(settings.staff_lockout_failures, timedelta(minutes=settings.staff_lockout_minutes)),
        timedelta(hours=settings.staff_session_hours),
        hashing,
    )
    # a transaction of its own: a refusal is answered after the failure count is committed
    async with transaction(request.app.state.runtime.sessions) as session:
        outcome = await service.sign_in(session, cipher, signer, policy, body)
    if isinstance(outcome, AccessToken):
        return outcome
    raise outcome

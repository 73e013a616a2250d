"""HTTP routes of staff accounts (admin) and staff sign-in: a password for a short access
token and a rotating refresh token, refresh, sign-out, revoke-all and a password change."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.customer.config import Settings
from services.customer.signin.api import RememberingSession
from services.customer.signin.errors import RefreshTokenReused
from services.customer.signin.schemas import RefreshRequest, Revoked
from services.customer.staff import service
from services.customer.staff.domain import Lockout, PasswordHashing
from services.customer.staff.errors import (
    CurrentPasswordWrong,
    NoStaffAccount,
    SignInLocked,
    SignInRefused,
    StaffLoginTaken,
    StaffNotFound,
    StoreScopeNotForRole,
)
from services.customer.staff.schemas import (
    AccessToken,
    PasswordChange,
    SignIn,
    StaffCreate,
    StaffOut,
    StaffPage,
    StaffPatch,
)
from shared.audit.requests import record_change
from shared.auth import require_roles
from shared.db import transaction
from shared.dependencies import Cipher, Signer
from shared.dependencies import RequestSession as Session
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.tokens import Principal

router = APIRouter(prefix="/staff", tags=["staff"])
Admin = Annotated[Principal, Depends(require_roles())]
AnyStaff = Annotated[
    Principal,
    Depends(require_roles("marketing", "service", "analyst", "manager")),
]


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
        "password (an admin's reset, audited like every change) lifts a lockout; it and "
        "disabling the account end the account's sign-ins at once (refresh tokens), and "
        "access tokens already issued expire within `staff_access_token_minutes`." + ROLES
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


def _policy(request: Request, hashing: Hashing) -> service.SignInPolicy:
    settings: Settings = request.app.state.settings
    return service.SignInPolicy(
        Lockout(settings.staff_lockout_failures, timedelta(minutes=settings.staff_lockout_minutes)),
        timedelta(minutes=settings.staff_access_token_minutes),
        timedelta(hours=settings.staff_refresh_token_hours),
        hashing,
    )


Policy = Annotated[service.SignInPolicy, Depends(_policy)]
_REFRESH_REFUSED = problem(
    RefreshTokenReused(
        "This refresh token was already used: every token of its sign-in is revoked. Sign in again"
    ),
    description="`refresh-token-reused` (the sign-in is revoked), `refresh-token-invalid` "
    "(unknown, expired, signed out or revoked), `staff-account-disabled`",
)


@router.post(
    "/sessions",
    status_code=201,
    response_model=AccessToken,
    summary="Sign in with a login and a password",
    description=(
        "Anyone. Answers a staff access token (EdDSA, signed by this service; every "
        "service accepts it) naming the account's role and store scope, good for "
        "`staff_access_token_minutes` (15), and a refresh token for the next one "
        "(`POST /staff/sessions/refresh`). Wrong passwords in a row "
        "(`staff_lockout_failures`) lock the account for `staff_lockout_minutes`: 429 with "
        "`Retry-After`, even with the right password."
    ),
    responses={
        **problem(SignInRefused("The login or the password is wrong, or the account is disabled")),
        **problem(SignInLocked("Too many wrong passwords: sign-in is locked until 04:15:00 UTC")),
    },
)
async def sign_in(
    request: Request, body: SignIn, cipher: Cipher, signer: Signer, policy: Policy
) -> AccessToken:
    # a transaction of its own: a refusal is answered after the failure count is committed
    async with transaction(request.app.state.runtime.sessions) as session:
        outcome = await service.sign_in(session, cipher, signer, policy, body)
    if isinstance(outcome, AccessToken):
        return outcome
    raise outcome


@router.post(
    "/sessions/refresh",
    response_model=AccessToken,
    summary="Exchange a staff refresh token for a new pair",
    description=(
        "No login: the refresh token is the credential. Answers a new access token (the "
        "account's role and store scope as they are now) and a new refresh token of the "
        "same sign-in; the one sent never works again. Sending it again is reuse: 401 "
        "`refresh-token-reused`, and the whole sign-in is revoked. A disabled account: 401 "
        "`staff-account-disabled`."
    ),
    responses=_REFRESH_REFUSED,
)
async def refresh(
    body: RefreshRequest,
    session: RememberingSession,
    cipher: Cipher,
    signer: Signer,
    policy: Policy,
) -> AccessToken:
    return await service.refresh(session, cipher, signer, policy, body.refresh_token)


@router.post(
    "/sessions/sign-out",
    response_model=Revoked,
    summary="Sign out: end a staff refresh token's sign-in",
    description=(
        "No login: the refresh token is the credential. Its sign-in's refresh tokens stop "
        "working at once (`revoked`: 1); the access token expires on its own within "
        "`staff_access_token_minutes`. An unknown or revoked token changes nothing (0)."
    ),
)
async def sign_out(body: RefreshRequest, session: RememberingSession) -> Revoked:
    return Revoked(revoked=await service.sign_out(session, body.refresh_token))


@router.post(
    "/me/password",
    response_model=AccessToken,
    summary="Change my own password",
    description=(
        "Any staff signed in with a password. `current_password` must check out (a wrong "
        "one counts towards the lockout, as at sign-in); the new one follows the policy of "
        "creation (12-256 characters, hashed with Argon2id). Every sign-in of the account "
        "ends; the answer is the new sign-in's tokens. Audited (`GET /audit`)."
    ),
    responses={
        **problem(CurrentPasswordWrong("The current password is wrong")),
        **problem(NoStaffAccount("This token's subject is no enabled staff account")),
        **problem(SignInLocked("Too many wrong passwords: sign-in is locked until 04:15:00 UTC")),
    },
)
async def change_password(
    request: Request,
    body: PasswordChange,
    cipher: Cipher,
    signer: Signer,
    policy: Policy,
    principal: AnyStaff,
) -> AccessToken:
    # a transaction of its own: a refusal is answered after the failure count is committed,
    # and a change audits itself in it (the fields named, never the passwords)
    async with transaction(request.app.state.runtime.sessions) as session:
        outcome = await service.change_password(session, cipher, signer, policy, principal, body)
        if isinstance(outcome, AccessToken):
            await record_change(session, request)
    if isinstance(outcome, AccessToken):
        return outcome
    raise outcome


@router.post(
    "/me/revoke-all",
    response_model=Revoked,
    summary="End every sign-in of my own account",
    description=(
        "Any staff signed in with a password: every refresh token of the account stops "
        "working at once (a lost laptop); access tokens expire within "
        "`staff_access_token_minutes`."
    ),
    responses=problem(NoStaffAccount("This token's subject is no enabled staff account")),
)
async def revoke_my_sign_ins(session: Session, cipher: Cipher, principal: AnyStaff) -> Revoked:
    account = await service.own_account(session, cipher, principal)
    return Revoked(revoked=await service.revoke_all(session, account.id))


@router.post(
    "/{staff_id}/revoke-all",
    response_model=Revoked,
    summary="End every sign-in of a staff account",
    description=(
        "Admin (audited). Every refresh token of the account stops working at once; access "
        "tokens expire within `staff_access_token_minutes`."
    ),
    responses=NOT_FOUND,
)
async def revoke_sign_ins(staff_id: uuid.UUID, session: Session, _: Admin) -> Revoked:
    return Revoked(revoked=await service.revoke_all(session, staff_id))

"""HTTP routes of member sign-in: codes by SMS, sessions, refresh, sign-out, revoke-all.

Only revoke-all takes a bearer token; the others are called before there is one, and
their credential (a code, a refresh token) is in the body. The client's address is the
connection's (uvicorn takes it from ``X-Forwarded-For`` only from the proxies
``FORWARDED_ALLOW_IPS`` names).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.customer.config import Settings
from services.customer.members.errors import MemberErased, MemberNotFound, PhoneRegistered
from services.customer.members.service import PHONE_REGISTERED
from services.customer.signin import service
from services.customer.signin.errors import (
    InactiveMemberSignIn,
    RefreshTokenReused,
    RememberedRefusal,
    SigninCodeInvalid,
    SigninCodesLimited,
    SignUpNeeded,
)
from services.customer.signin.schemas import (
    CodeRequest,
    CodeRequested,
    RefreshRequest,
    RevokeAllRequest,
    Revoked,
    SessionRequest,
    TokenPair,
)
from services.customer.signin.throttle import CodeThrottle
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access
from shared.db import AsyncSession, transaction
from shared.dependencies import Cipher, RequestSession, Signer
from shared.errors import InvalidRequest
from shared.openapi import problem
from shared.tokens import Principal

router = APIRouter(prefix="/auth", tags=["sign-in"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Configured = Annotated[Settings, Depends(_settings)]


def _throttle(request: Request, settings: Configured) -> CodeThrottle:
    """The app's one throttle of code requests (made on first use)."""
    state = request.app.state
    if not hasattr(state, "signin_throttle"):
        state.signin_throttle = CodeThrottle(
            settings.signin_codes_per_phone, settings.signin_codes_per_address
        )
    throttle: CodeThrottle = state.signin_throttle
    return throttle


async def _remembering_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction, committed also when the use case refuses with a
    :class:`RememberedRefusal` (a wrong code's try, a reused token's revoked family),
    which is answered after the commit; any other error rolls it back."""
    refused: RememberedRefusal | None = None
    async with transaction(request.app.state.runtime.sessions) as session:
        try:
            yield session
        except RememberedRefusal as refusal:
            refused = refusal
    if refused is not None:
        raise refused


RememberingSession = Annotated[AsyncSession, Depends(_remembering_session, scope="function")]
"""The request's transaction, committed also when a ``RememberedRefusal`` is answered
(staff sign-in's refresh uses it too)."""


@router.post(
    "/sms-codes",
    status_code=202,
    response_model=CodeRequested,
    summary="Send a one-time sign-in code by SMS",
    description=(
        "No login. Sends a 6-digit code to `phone` when it can be used: to a phone with an "
        "active member (either `purpose`), or to a phone without one asking to `sign_up` "
        "while the joining policy is open without a card fee. The answer is 202 and the "
        "same either way, so it tells no one who is a member. A code is good for "
        "`expires_in` seconds and 5 wrong tries; only the newest code of a phone works. "
        "Codes per phone number and per client address are limited "
        "(`CUSTOMER_SIGNIN_CODES_PER_PHONE`, `..._PER_ADDRESS`): past them 429 "
        "`signin-codes-limited` with `Retry-After`. The SMS goes through messaging "
        "(template `signin_code`, transactional)."
    ),
    responses=problem(
        SigninCodesLimited("Too many sign-in codes were asked for: ask again in 42 seconds")
    ),
)
async def request_code(
    body: CodeRequest,
    request: Request,
    session: RememberingSession,
    cipher: Cipher,
    settings: Configured,
    throttle: Annotated[CodeThrottle, Depends(_throttle)],
) -> CodeRequested:
    address = request.client.host if request.client else "unknown"
    return await service.request_code(session, settings, cipher, throttle, body, address=address)


@router.post(
    "/sessions",
    status_code=201,
    response_model=TokenPair,
    summary="Sign in (or sign up) with the SMS code",
    description=(
        "No login. Exchanges the code sent to `phone` for a member access token (bearer, "
        "`expires_in` seconds) and a refresh token (`POST /auth/refresh`), starting a new "
        "sign-in; the code is spent. A phone without a member joins first with "
        "`sign_up` (`created: true`): without it 422 `sign-up-needed` naming `sign_up` "
        "(the code stays good). A wrong, expired or used code is 401 "
        "`signin-code-invalid` (the try counts); after 5 wrong tries 401 "
        "`signin-code-locked` until a new code is asked for."
    ),
    responses={
        **problem(SigninCodeInvalid(service.INVALID_CODE)),
        **problem(
            InactiveMemberSignIn("This member is deactivated and cannot sign in"),
            description="`member-inactive`; `sign-up-closed` when the joining policy "
            "admits members at stores only; `signin-code-locked` (401) after 5 wrong tries",
        ),
        **problem(PhoneRegistered(PHONE_REGISTERED)),
        **problem(
            SignUpNeeded("No member has this phone number: give sign_up (name and consent)"),
            description="`sign-up-needed` naming `sign_up`; `referral-code-unknown` and "
            "`self-referral` naming `sign_up.referral_code`",
        ),
    },
)
async def start_session(
    body: SessionRequest,
    session: RememberingSession,
    cipher: Cipher,
    settings: Configured,
    signer: Signer,
) -> TokenPair:
    return await service.start_session(session, settings, cipher, signer, body)


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Exchange a refresh token for a new pair",
    description=(
        "No login. Answers a new access token and a new refresh token of the same "
        "sign-in; the refresh token sent never works again. Sending it again is reuse "
        "(someone else may hold it): 401 `refresh-token-reused`, and every token of that "
        "sign-in is revoked. Unknown, expired, signed-out or revoked: 401 "
        "`refresh-token-invalid`."
    ),
    responses={
        **problem(
            RefreshTokenReused(
                "This refresh token was already used: every token of its "
                "sign-in is revoked. Sign in again"
            ),
            description="`refresh-token-reused` (the sign-in is revoked) or "
            "`refresh-token-invalid`",
        ),
        **problem(InactiveMemberSignIn("This member is deactivated and cannot sign in")),
    },
)
async def refresh(
    body: RefreshRequest, session: RememberingSession, settings: Configured, signer: Signer
) -> TokenPair:
    return await service.refresh(session, settings, signer, body.refresh_token)


@router.post(
    "/sign-out",
    response_model=Revoked,
    summary="Sign out: revoke a refresh token's sign-in",
    description=(
        "No login: the refresh token is the credential. Its sign-in's refresh tokens stop "
        "working at once (`revoked`: 1); access tokens already issued expire on their own "
        "(within `member_access_token_minutes`). An unknown or already revoked token "
        "changes nothing (`revoked`: 0)."
    ),
)
async def sign_out(body: RefreshRequest, session: RememberingSession) -> Revoked:
    return await service.sign_out(session, body.refresh_token)


@router.post(
    "/revoke-all",
    response_model=Revoked,
    summary="Revoke every sign-in of a member",
    description=(
        "The member themself (`member_id` may be left out) or staff with role service "
        "(or admin) naming `member_id`: every refresh token of every sign-in of the "
        "member stops working at once (a lost phone); access tokens already issued expire "
        "on their own."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
        **problem(InvalidRequest("Staff name the member: member_id is required")),
    },
)
async def revoke_all(
    body: RevokeAllRequest,
    session: RequestSession,  # a staff revocation is audited in its transaction
    principal: Annotated[Principal, Depends(current_principal)],
) -> Revoked:
    member_id = body.member_id or principal.member_id
    if member_id is None:
        raise InvalidRequest("Staff name the member: member_id is required", field="member_id")
    ensure_member_access(principal, member_id, "service")
    return await service.revoke_all(session, member_id)

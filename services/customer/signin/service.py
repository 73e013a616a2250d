"""Use cases of member sign-in: send a one-time code, exchange it for tokens (signing a
new phone up), rotate refresh tokens with reuse detection, sign out and revoke every
sign-in. They flush, never commit: the caller owns the transaction (a
:class:`~services.customer.signin.errors.RememberedRefusal` is committed before it is
answered).

Seed: the product's members join and sign in from the brand's app by their phone
number (issue 18, item 1); the code goes by SMS through messaging's transactional class.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime, timedelta

from services.customer.base import emit
from services.customer.config import Settings
from services.customer.joining import service as joining
from services.customer.members import service as members
from services.customer.members.models import Member
from services.customer.members.schemas import MemberCreate
from services.customer.signin import domain, repository
from services.customer.signin import refresh as refresh_tokens
from services.customer.signin.errors import (
    InactiveMemberSignIn,
    SigninCodeInvalid,
    SigninCodeLocked,
    SignUpClosed,
    SignUpNeeded,
)
from services.customer.signin.models import SigninCode
from services.customer.signin.schemas import (
    CodeRequest,
    CodeRequested,
    Revoked,
    SessionRequest,
    SignUp,
    TokenPair,
)
from services.customer.signin.throttle import CodeThrottle
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.events.customer import SigninCodeRequested
from shared.jwks import TokenSigner
from shared.tokens import issue_member_token

INVALID_CODE = (
    "The code is wrong, expired or already used, or was not sent to this phone number: "
    "ask for a new one"
)


def member_access_token(signer: TokenSigner, settings: Settings, member_id: uuid.UUID) -> str:
    """A member access token (bearer JWT, signed by customer's key ring) for ``member_id``,
    good for ``member_access_token_minutes``: the one place sign-in mints a token."""
    return issue_member_token(
        signer, member_id, ttl=timedelta(minutes=settings.member_access_token_minutes)
    )


async def request_code(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    throttle: CodeThrottle,
    body: CodeRequest,
    *,
    address: str,
) -> CodeRequested:
    """Sends a 6-digit code to ``body.phone`` (E.164) by SMS when it may be used: to a
    phone with an active member (either purpose), or to a phone without one asking to
    ``sign_up`` while the joining policy lets members sign themselves up. Otherwise
    nothing is sent; the answer is the same. Only the newest code of a phone works.

    Raises :class:`~.errors.SigninCodesLimited` (429 with ``Retry-After``) past the limits
    per phone and per client ``address`` (:mod:`.throttle`), before anything is looked up.
    """
    phone_hash = cipher.phone_hash(body.phone)
    await throttle.admit(phone_hash, address)
    answer = CodeRequested(expires_in=settings.signin_code_ttl_seconds)
    member = await members.find_members(session, cipher, phone=body.phone, card_number=None)
    if member:
        if member[0].status == "inactive":
            return answer
        member_id, locale = member[0].id, member[0].locale
    elif body.purpose == "sign_up" and await _self_sign_up_open(session):
        member_id, locale = uuid.uuid4(), body.locale
    else:
        return answer
    now = datetime.now(UTC)
    code = domain.new_code()
    row = SigninCode(
        id=uuid.uuid4(),
        phone_hash=phone_hash,
        code_hash="",
        purpose=body.purpose,
        member_id=member_id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.signin_code_ttl_seconds),
    )
    row.code_hash = cipher.lookup_hash(domain.code_material(row.id, code))
    session.add(row)
    await session.flush()
    await emit(
        session,
        SigninCodeRequested(
            member_id=member_id,
            phone_encrypted=cipher.encrypt(body.phone),
            code_encrypted=cipher.encrypt(code),
            purpose=body.purpose,
            locale="en" if locale == "en" else "zh-CN",
            expires_at=row.expires_at,
            requested_at=now,
        ),
    )
    return answer


async def _self_sign_up_open(session: AsyncSession) -> bool:
    """Whether members may sign themselves up: an open joining policy without a card fee."""
    policy = await joining.current_policy(session)
    return policy.is_open and policy.card_fee_fen == 0


async def start_session(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    signer: TokenSigner,
    body: SessionRequest,
) -> TokenPair:
    """Exchanges the code sent to ``body.phone`` for an access and a refresh token (a new
    refresh token family), spending the code; a phone without a member signs up first
    with ``body.sign_up``, through the members' registration (consent recorded as the
    member's, under the privacy policy in force).

    Raises :class:`~.errors.SigninCodeInvalid` (401; the try is counted and committed),
    :class:`~.errors.SigninCodeLocked` (401, after ``signin_code_max_attempts`` wrong
    tries), :class:`~.errors.InactiveMemberSignIn` (403), :class:`~.errors.SignUpNeeded` (422,
    ``sign_up``: the code stays good), :class:`~.errors.SignUpClosed` (403) and the
    registration's problems (``referral-code-unknown``, ``self-referral``,
    ``phone-registered``)."""
    now = datetime.now(UTC)
    phone_hash = cipher.phone_hash(body.phone)
    row = await repository.latest_code(session, phone_hash)
    if row is None:
        raise SigninCodeInvalid(INVALID_CODE, field="code")
    state = domain.CodeState(row.attempts, row.expires_at, row.used_at is not None)
    verdict = domain.code_verdict(state, now=now, max_attempts=settings.signin_code_max_attempts)
    if verdict == "spent":
        raise SigninCodeInvalid(INVALID_CODE, field="code")
    if verdict == "locked":
        raise SigninCodeLocked(
            "This code had too many wrong tries and no longer works: ask for a new one",
            field="code",
        )
    if not hmac.compare_digest(
        cipher.lookup_hash(domain.code_material(row.id, body.code)), row.code_hash
    ):
        row.attempts += 1
        await session.flush()
        left = max(0, settings.signin_code_max_attempts - row.attempts)
        tries = "try" if left == 1 else "tries"
        raise SigninCodeInvalid(f"{INVALID_CODE} ({left} {tries} left)", field="code")
    row.used_at = now
    found = await members.find_members(session, cipher, phone=body.phone, card_number=None)
    created = not found
    member = found[0] if found else await _sign_up(session, settings, cipher, body, row)
    if member.status == "inactive":
        raise InactiveMemberSignIn("This member is deactivated and cannot sign in")
    return await _open_family(session, settings, signer, member.id, now, created=created)


async def _sign_up(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    body: SessionRequest,
    code: SigninCode,
) -> Member:
    """Registers the phone's member from ``body.sign_up``, with the id the code's message
    was addressed to (unless a member has that id: the code was sent to a member whose
    number has changed since)."""
    if body.sign_up is None:
        raise SignUpNeeded(
            "No member has this phone number: give sign_up (name and consent) to join",
            field="sign_up",
        )
    if not await _self_sign_up_open(session):
        raise SignUpClosed(
            "The brand admits members at its stores only (a qualification or a card fee)"
        )
    member_id = code.member_id
    if await members.exists(session, member_id):
        member_id = uuid.uuid4()
    return await members.register_member(
        session,
        settings,
        cipher,
        _registration(body.phone, body.sign_up),
        by=domain.member_subject(member_id),
        member_id=member_id,
        signed_up=True,
    )


def _registration(phone: str, sign_up: SignUp) -> MemberCreate:
    return MemberCreate.model_validate(
        {**sign_up.model_dump(exclude_none=True, exclude={"consent"}), "phone": phone}
        | {"consent": sign_up.consent}
    )


async def _open_family(
    session: AsyncSession,
    settings: Settings,
    signer: TokenSigner,
    member_id: uuid.UUID,
    now: datetime,
    *,
    created: bool = False,
) -> TokenPair:
    issued = await refresh_tokens.open_family(
        session, lifetime=_lifetime(settings), now=now, member_id=member_id
    )
    return _pair(settings, signer, member_id, issued, created=created)


def _lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings.member_refresh_token_days)


def _pair(
    settings: Settings,
    signer: TokenSigner,
    member_id: uuid.UUID,
    issued: refresh_tokens.Issued,
    *,
    created: bool = False,
) -> TokenPair:
    return TokenPair(
        access_token=member_access_token(signer, settings, member_id),
        expires_in=settings.member_access_token_minutes * 60,
        refresh_token=issued.token,
        refresh_expires_in=issued.expires_in,
        member_id=member_id,
        created=created,
    )


async def refresh(
    session: AsyncSession, settings: Settings, signer: TokenSigner, token: str
) -> TokenPair:
    """Exchanges a live refresh token of a member's sign-in for a new pair of its family
    (the old one is rotated: it never works again; :mod:`.refresh`).

    Raises :class:`~.errors.RefreshTokenInvalid` (401: unknown, expired, or of a revoked
    family), :class:`~.errors.RefreshTokenReused` (401: it was rotated already; its whole
    family is revoked, committed) and :class:`~.errors.InactiveMemberSignIn` (403)."""
    issued = await refresh_tokens.rotate(
        session, token, lifetime=_lifetime(settings), now=datetime.now(UTC), staff=False
    )
    member_id = issued.family.member_id
    assert member_id is not None  # a member's family (staff=False)
    if (await members.get_member(session, member_id)).status == "inactive":
        raise InactiveMemberSignIn("This member is deactivated and cannot sign in")
    return _pair(settings, signer, member_id, issued)


async def sign_out(session: AsyncSession, token: str) -> Revoked:
    """Revokes the sign-in (family) of a member's refresh token (``revoked``: 1); an
    unknown or already revoked one changes nothing (0). Access tokens already issued stay
    good until they expire (at most ``member_access_token_minutes``)."""
    count = await refresh_tokens.sign_out(session, token, now=datetime.now(UTC), staff=False)
    return Revoked(revoked=count)


async def revoke_all(session: AsyncSession, member_id: uuid.UUID) -> Revoked:
    """Revokes every sign-in of the member (``revoke_all``); how many were live. Raises
    ``MemberNotFound`` (404) for an unknown member."""
    await members.get_member(session, member_id)
    count = await refresh_tokens.revoke_all(
        session, "revoke_all", now=datetime.now(UTC), member_id=member_id
    )
    return Revoked(revoked=count)


CODES_KEPT = timedelta(days=1)
REVOKED_KEPT = timedelta(days=7)


async def purge(session: AsyncSession, now: datetime) -> int:
    """Deletes what sign-in no longer needs at ``now``: codes expired over a day ago (a
    day of codes keeps what an operator may look into), sign-ins revoked over 7 days ago
    (why they were revoked is kept that long) and sign-ins whose refresh tokens have all
    expired; how many rows (a sign-in's tokens are not counted)."""
    return await repository.purge(
        session, codes_before=now - CODES_KEPT, revoked_before=now - REVOKED_KEPT, now=now
    )

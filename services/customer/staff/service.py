"""Use cases of staff accounts: an admin creates, lists, changes and disables them; staff
sign in with a login and a password for a short access token and a rotating refresh token
(the members' machinery, :mod:`services.customer.signin.refresh`), sign out, revoke every
sign-in and change their own password. They flush, never commit: the caller owns the
transaction (a refused sign-in or password change returns its refusal, so the caller can
commit the failure count before answering).

Password hashing runs in a worker thread (it takes tens of milliseconds of CPU).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy.exc import IntegrityError

from services.customer.signin import refresh as refresh_tokens
from services.customer.signin.domain import RevokedReason
from services.customer.staff import domain, repository
from services.customer.staff.errors import (
    CurrentPasswordWrong,
    NoStaffAccount,
    SignInLocked,
    SignInRefused,
    StaffAccountDisabled,
    StaffLoginTaken,
    StaffNotFound,
    StoreScopeNotForRole,
)
from services.customer.staff.models import StaffAccount
from services.customer.staff.schemas import (
    AccessToken,
    PasswordChange,
    SignIn,
    StaffCreate,
    StaffOut,
    StaffPage,
    StaffPatch,
)
from shared.crypto import PiiCipher, mask_email
from shared.db import AsyncSession
from shared.jwks import TokenSigner
from shared.pagination import PageKey, encode_cursor
from shared.tokens import Principal, Role, issue_token


def _out(account: StaffAccount, cipher: PiiCipher, *, masked: bool = False) -> StaffOut:
    login = cipher.decrypt(account.login_encrypted)
    if masked:
        login = mask_email(login) if "@" in login else f"{login[0]}****"
    return StaffOut(
        id=account.id,
        login=login,
        role=cast(Role, account.role),
        store_id=account.store_id,
        disabled=account.disabled_at is not None,
        locked_until=account.locked_until,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


def _check_scope(role: str, store_id: uuid.UUID | None) -> None:
    if store_id is not None and role != "manager":
        raise StoreScopeNotForRole(
            f"A store scope is for managers, not for the {role} role", field="store_id"
        )


async def create_staff(
    session: AsyncSession, cipher: PiiCipher, hashing: domain.PasswordHashing, data: StaffCreate
) -> StaffOut:
    """Creates an account, its password hashed with ``hashing``. Raises
    :class:`StaffLoginTaken` (409 naming ``login``), :class:`StoreScopeNotForRole` (422
    naming ``store_id``)."""
    _check_scope(data.role, data.store_id)
    account = StaffAccount(
        login_hash=cipher.lookup_hash(data.login),
        login_encrypted=cipher.encrypt(data.login),
        password_hash=await asyncio.to_thread(hashing.hash, data.password),
        role=data.role,
        store_id=data.store_id,
    )
    session.add(account)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # the login exists, or a concurrent request took it
        raise StaffLoginTaken(
            f"A staff account with the login {data.login!r} exists already", field="login"
        ) from exc
    return _out(account, cipher)


async def list_staff(
    session: AsyncSession, cipher: PiiCipher, limit: int, after: PageKey | None
) -> StaffPage:
    """Up to ``limit`` accounts in creation order after ``after``, logins masked."""
    accounts = await repository.page(session, limit + 1, after)
    last = accounts[limit - 1] if len(accounts) > limit else None
    return StaffPage(
        items=[_out(a, cipher, masked=True) for a in accounts[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def _account(session: AsyncSession, staff_id: uuid.UUID, *, lock: bool) -> StaffAccount:
    account = await repository.by_id(session, staff_id, lock=lock)
    if account is None:
        raise StaffNotFound(f"No staff account with id {staff_id}", field="staff_id", where="path")
    return account


async def get_staff(session: AsyncSession, cipher: PiiCipher, staff_id: uuid.UUID) -> StaffOut:
    """The account, login in full. Raises :class:`StaffNotFound` (404)."""
    return _out(await _account(session, staff_id, lock=False), cipher)


async def update_staff(
    session: AsyncSession,
    cipher: PiiCipher,
    hashing: domain.PasswordHashing,
    staff_id: uuid.UUID,
    patch: StaffPatch,
) -> StaffOut:
    """Changes the role, the store scope, whether the account is disabled, or its password
    (which also lifts a lockout). A role other than manager drops the store scope unless
    the patch names one (then 422). Disabling the account or a new password ends its
    sign-ins (refresh tokens); access tokens already issued keep working until they expire
    (``staff_access_token_minutes``). Raises :class:`StaffNotFound` (404),
    :class:`StoreScopeNotForRole` (422)."""
    account = await _account(session, staff_id, lock=True)
    given = patch.model_fields_set
    role = patch.role if patch.role is not None else account.role
    store_id = patch.store_id if "store_id" in given else account.store_id
    if role != "manager" and "store_id" not in given:
        store_id = None
    _check_scope(role, store_id)
    account.role, account.store_id = role, store_id
    now = datetime.now(UTC)
    if patch.disabled is not None:
        account.disabled_at = (account.disabled_at or now) if patch.disabled else None
        if patch.disabled:
            await _end_sign_ins(session, account, "disabled", now)
    if patch.password is not None:
        await _set_password(session, hashing, account, patch.password, now)
    account.updated_at = now
    await session.flush()
    return _out(account, cipher)


async def _set_password(
    session: AsyncSession,
    hashing: domain.PasswordHashing,
    account: StaffAccount,
    password: str,
    now: datetime,
) -> None:
    """A new password (Argon2id at ``hashing``'s costs), which lifts a lockout and ends
    every sign-in."""
    account.password_hash = await asyncio.to_thread(hashing.hash, password)
    account.failed_attempts, account.locked_until = 0, None
    await _end_sign_ins(session, account, "password", now)


async def _end_sign_ins(
    session: AsyncSession, account: StaffAccount, reason: RevokedReason, now: datetime
) -> int:
    return await refresh_tokens.revoke_all(session, reason, now=now, staff_id=account.id)


@dataclass(frozen=True)
class SignInPolicy:
    lockout: domain.Lockout
    token_ttl: timedelta
    """How long an access token lives."""
    refresh_lifetime: timedelta
    """How long a refresh token lives from its issue (each rotation issues one)."""
    hashing: domain.PasswordHashing


async def sign_in(
    session: AsyncSession,
    cipher: PiiCipher,
    signer: TokenSigner,
    policy: SignInPolicy,
    data: SignIn,
) -> AccessToken | SignInRefused | SignInLocked:
    """An access token for the account, or why not: :class:`SignInRefused` (401: unknown
    login, wrong password, disabled account) or :class:`SignInLocked` (429 with
    Retry-After: ``policy.lockout.failures`` wrong passwords in a row lock it for
    ``policy.lockout.duration``). A wrong password is counted (flushed) before the refusal
    is returned, so the caller commits it."""
    account = await repository.by_login_hash(session, cipher.lookup_hash(data.login))
    now = datetime.now(UTC)
    if account is not None and domain.is_locked(account.locked_until, now):
        return _locked(account, now)
    stored = account.password_hash if account is not None else None
    checked = await asyncio.to_thread(policy.hashing.check, stored, data.password)
    refused = SignInRefused("The login or the password is wrong, or the account is disabled")
    if account is None:
        return refused
    if not checked.matches:
        account.failed_attempts, account.locked_until = policy.lockout.after_failure(
            account.failed_attempts, now
        )
        await session.flush()
        return _locked(account, now) if account.locked_until else refused
    if account.disabled_at is not None:
        return refused
    account.failed_attempts = 0
    if checked.rehashed is not None:
        account.password_hash = checked.rehashed
    await session.flush()
    issued = await refresh_tokens.open_family(
        session, lifetime=policy.refresh_lifetime, now=now, staff_id=account.id
    )
    return _tokens(signer, policy, account, data.login, issued)


def _tokens(
    signer: TokenSigner,
    policy: SignInPolicy,
    account: StaffAccount,
    login: str,
    issued: refresh_tokens.Issued,
) -> AccessToken:
    """The access token of the account as it is now (its role and store scope) and the
    refresh token ``issued``."""
    token = issue_token(
        signer,
        subject=login,
        role=cast(Role, account.role),
        store_id=account.store_id,
        ttl=policy.token_ttl,
    )
    return AccessToken(
        access_token=token,
        expires_in=int(policy.token_ttl.total_seconds()),
        refresh_token=issued.token,
        refresh_expires_in=issued.expires_in,
        role=cast(Role, account.role),
        store_id=account.store_id,
    )


async def refresh(
    session: AsyncSession, cipher: PiiCipher, signer: TokenSigner, policy: SignInPolicy, token: str
) -> AccessToken:
    """Exchanges a live staff refresh token for the next pair of its sign-in, the access
    token naming the account's role and store scope as they are now.

    Raises ``RefreshTokenInvalid`` (401), ``RefreshTokenReused`` (401; the sign-in is
    revoked, which the caller commits) and :class:`StaffAccountDisabled` (401)."""
    now = datetime.now(UTC)
    issued = await refresh_tokens.rotate(
        session, token, lifetime=policy.refresh_lifetime, now=now, staff=True
    )
    assert issued.family.staff_id is not None  # a staff family (staff=True)
    account = await repository.by_id(session, issued.family.staff_id)
    if account is None or account.disabled_at is not None:
        raise StaffAccountDisabled("This staff account is disabled: its sign-ins are over")
    return _tokens(signer, policy, account, cipher.decrypt(account.login_encrypted), issued)


async def sign_out(session: AsyncSession, token: str) -> int:
    """Ends the sign-in of a staff refresh token (1); an unknown or revoked one, 0."""
    return await refresh_tokens.sign_out(session, token, now=datetime.now(UTC), staff=True)


async def revoke_all(session: AsyncSession, staff_id: uuid.UUID) -> int:
    """Ends every sign-in of the account; how many were live. Raises
    :class:`StaffNotFound` (404)."""
    account = await _account(session, staff_id, lock=True)
    return await _end_sign_ins(session, account, "revoke_all", datetime.now(UTC))


async def own_account(
    session: AsyncSession, cipher: PiiCipher, principal: Principal
) -> StaffAccount:
    """The account a staff token's subject signs in as, locked. Raises
    :class:`NoStaffAccount` (404) for a token of no account (``huiyuan token``)."""
    account = await repository.by_login_hash(session, cipher.lookup_hash(principal.subject))
    if account is None or account.disabled_at is not None:
        raise NoStaffAccount("This token's subject is no enabled staff account")
    return account


async def change_password(
    session: AsyncSession,
    cipher: PiiCipher,
    signer: TokenSigner,
    policy: SignInPolicy,
    principal: Principal,
    change: PasswordChange,
) -> AccessToken | CurrentPasswordWrong | SignInLocked:
    """The caller's new password (Argon2id, the policy of creation: 12-256 characters),
    once ``current_password`` checks out; every sign-in of the account ends and a new one
    begins (the answer). A wrong current password counts towards the lockout (flushed
    before the refusal is returned, for the caller to commit): :class:`CurrentPasswordWrong`
    (403 naming ``current_password``) or :class:`SignInLocked` (429). Raises
    :class:`NoStaffAccount` (404)."""
    account = await own_account(session, cipher, principal)
    now = datetime.now(UTC)
    if domain.is_locked(account.locked_until, now):
        return _locked(account, now)
    checked = await asyncio.to_thread(
        policy.hashing.check, account.password_hash, change.current_password
    )
    if not checked.matches:
        account.failed_attempts, account.locked_until = policy.lockout.after_failure(
            account.failed_attempts, now
        )
        await session.flush()
        if account.locked_until:
            return _locked(account, now)
        return CurrentPasswordWrong("The current password is wrong", field="current_password")
    await _set_password(session, policy.hashing, account, change.new_password, now)
    account.updated_at = now
    await session.flush()
    issued = await refresh_tokens.open_family(
        session, lifetime=policy.refresh_lifetime, now=now, staff_id=account.id
    )
    return _tokens(signer, policy, account, principal.subject, issued)


def _locked(account: StaffAccount, now: datetime) -> SignInLocked:
    assert account.locked_until is not None
    seconds = max(1, int((account.locked_until - now).total_seconds()) + 1)
    return SignInLocked(
        f"Too many wrong passwords: sign-in is locked until {account.locked_until:%H:%M:%S} UTC",
        headers={"Retry-After": str(seconds)},
        locked_until=account.locked_until.isoformat(),
    )

"""Named errors of staff accounts and staff sign-in."""

from __future__ import annotations

from typing import ClassVar

from shared.errors import Conflict, Forbidden, NotFound, ProblemError, Unauthorized, Unprocessable


class StaffNotFound(NotFound):
    """A staff id names no staff account."""

    title = "Staff account not found"
    slug = "staff-not-found"


class StaffLoginTaken(Conflict):
    """Another staff account has this login (logins ignore case)."""

    title = "Staff login taken"
    slug = "staff-login-taken"


class StoreScopeNotForRole(Unprocessable):
    """A store scope was given to a role other than manager (a store manager)."""

    title = "Store scope is for managers"
    slug = "staff-store-scope-not-for-role"


class SignInRefused(Unauthorized):
    """The login and password do not match an enabled account. The same answer for an
    unknown login, a wrong password and a disabled account, so it tells no one which
    logins exist."""

    title = "Sign-in refused"
    slug = "staff-sign-in-refused"


class SignInLocked(ProblemError):
    """Too many wrong passwords in a row: the account refuses sign-ins until
    ``Retry-After`` seconds have passed, even with the right password."""

    status: ClassVar[int] = 429
    title = "Sign-in locked"
    slug = "staff-sign-in-locked"


class StaffAccountDisabled(Unauthorized):
    """The refresh token's staff account was disabled (or removed): its sign-ins are over."""

    title = "Staff account disabled"
    slug = "staff-account-disabled"


class NoStaffAccount(NotFound):
    """The bearer token names no staff account (a token made with ``huiyuan token``, or of an
    account since removed): there is no password to change."""

    title = "No staff account"
    slug = "no-staff-account"


class CurrentPasswordWrong(Forbidden):
    """``current_password`` is not the account's password. It counts as a wrong password
    towards the lockout (committed), as at sign-in."""

    title = "Current password wrong"
    slug = "staff-current-password-wrong"

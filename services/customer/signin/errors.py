"""Named errors of member sign-in, each with a stable problem type.

A :class:`RememberedRefusal` is answered after its transaction commits what the use case
wrote before refusing (a wrong code's try; a reused refresh token's revoked family): the
refusal is itself something to remember.
"""

from __future__ import annotations

from shared.errors import Forbidden, ProblemError, Unauthorized, Unprocessable


class RememberedRefusal(ProblemError):
    """A refusal whose request's writes are committed, not rolled back."""


class SigninCodesLimited(ProblemError):
    """Too many sign-in codes asked for one phone number or from one client address;
    `Retry-After` says in how many seconds one more may be asked for."""

    status = 429
    title = "Too many sign-in codes"
    slug = "signin-codes-limited"


class SigninCodeInvalid(Unauthorized, RememberedRefusal):
    """The code is wrong, expired or already used, or none was sent to this phone number:
    the try counts against the code's limit."""

    title = "Sign-in code not valid"
    slug = "signin-code-invalid"


class SigninCodeLocked(Unauthorized):
    """The code had as many wrong tries as it takes: it no longer works, even if right.
    Ask for a new code."""

    title = "Sign-in code locked"
    slug = "signin-code-locked"


class SignUpNeeded(Unprocessable):
    """The code is right but no member has the phone number: give ``sign_up`` (a name and
    consent) to join. The code stays usable."""

    title = "Sign-up details needed"
    slug = "sign-up-needed"


class SignUpClosed(Forbidden):
    """The brand's joining policy admits members through staff only (a qualifying purchase,
    proof or a card fee): members cannot sign themselves up in an app."""

    title = "Sign-up only at a store"
    slug = "sign-up-closed"


class InactiveMemberSignIn(Forbidden):
    """The phone number's member is deactivated: they cannot sign in (nor refresh)."""

    title = "Inactive member"
    slug = "inactive-member-sign-in"


class RefreshTokenInvalid(Unauthorized):
    """The refresh token is unknown, expired, or of a family that was signed out or
    revoked: sign in again."""

    title = "Refresh token not valid"
    slug = "refresh-token-invalid"


class RefreshTokenReused(Unauthorized, RememberedRefusal):
    """The refresh token was already exchanged for a newer one: someone else may hold it,
    so every token of its sign-in (family) is revoked. Sign in again."""

    title = "Refresh token reused"
    slug = "refresh-token-reused"

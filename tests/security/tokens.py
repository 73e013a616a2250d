"""Tokens the security tests sign with the development ring."""

from __future__ import annotations

import uuid

from shared.jwks import development_signer
from shared.tokens import issue_token


def manager_of(store_id: uuid.UUID | None) -> dict[str, str]:
    """A manager's token, scoped to ``store_id`` (``None``: a manager of every store)."""
    subject = f"manager-{store_id or 'all'}"
    token = issue_token(development_signer(), subject=subject, role="manager", store_id=store_id)
    return {"Authorization": f"Bearer {token}"}

"""Named errors of voids."""

from __future__ import annotations

from shared.errors import Conflict


class VoidWindowClosed(Conflict):
    """The sale can no longer be voided: its business day is over (or the configured
    number of minutes after it has passed). Return it instead."""

    title = "Void window closed"
    slug = "void-window-closed"


class PurchaseHasReturns(Conflict):
    """Part of the sale was returned already, so it cannot be voided; return the rest."""

    title = "Purchase has returns"
    slug = "purchase-has-returns"

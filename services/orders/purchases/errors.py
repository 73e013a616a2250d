"""Named errors of sales."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


class PurchaseNotFound(NotFound):
    """No purchase with this id was recorded by the calling store."""

    title = "Purchase not found"
    slug = "purchase-not-found"


class ReceiptReused(Conflict):
    """A sale carries a receipt number its store already used for a different sale."""

    title = "Receipt number reused"
    slug = "receipt-reused"


class ReceiptInProgress(Conflict):
    """Another request recorded a receipt number of this batch while the batch was being
    recorded; sending the batch again gets each sale's answer."""

    title = "Receipt being recorded"
    slug = "receipt-in-progress"


class PurchaseVoided(Conflict):
    """The purchase was voided: it counts as no sale, so it cannot be returned or voided
    again."""

    title = "Purchase voided"
    slug = "purchase-voided"

"""Named errors of joining, each with a stable problem type."""

from __future__ import annotations

from shared.errors import Conflict, Unprocessable


class JoiningRuleUnmet(Unprocessable):
    """A registration's qualification is missing or does not meet the joining policy; the
    field is ``qualification``, ``qualification.kind`` or ``qualification.amount_fen``."""

    title = "Joining rule not met"
    slug = "joining-rule-unmet"


class ReceiptUsed(Conflict):
    """A receipt already qualified a member, or already paid a card fee: one receipt
    admits one member."""

    title = "Receipt already used"
    slug = "receipt-used"


class CardFeeUnsettled(Unprocessable):
    """A registration does not settle the card fee as the policy asks: missing, a paid
    amount other than the fee, or given when the policy charges none."""

    title = "Card fee not settled"
    slug = "card-fee-unsettled"

"""The pure joining rules: what a qualification and a card fee must be under a policy."""

from __future__ import annotations

import pytest

from services.customer.joining.domain import (
    OPEN,
    Policy,
    card_fee_shortfall,
    qualification_shortfall,
)

BY_PURCHASE = Policy(("purchase",), min_purchase_fen=50000, card_fee_fen=5000, version=1)


@pytest.mark.parametrize(
    ("policy", "kind", "amount_fen", "field"),
    [
        (OPEN, None, None, None),
        (OPEN, "purchase", 1, None),  # an open policy admits whatever was shown
        (BY_PURCHASE, None, None, "qualification"),
        (BY_PURCHASE, "earlier_customer", None, "qualification.kind"),
        (BY_PURCHASE, "purchase", 49999, "qualification.amount_fen"),
        (BY_PURCHASE, "purchase", 50000, None),
    ],
)
def test_a_qualification_meets_the_policy_or_names_what_falls_short(
    policy: Policy, kind: str | None, amount_fen: int | None, field: str | None
) -> None:
    shortfall = qualification_shortfall(policy, kind, amount_fen)
    assert (shortfall.field if shortfall else None) == field


@pytest.mark.parametrize(
    ("policy", "paid_fen", "waived", "field"),
    [
        (OPEN, None, False, None),
        (OPEN, 5000, False, "card_fee"),
        (OPEN, None, True, "card_fee"),
        (BY_PURCHASE, None, False, "card_fee"),
        (BY_PURCHASE, 4999, False, "card_fee.paid_fen"),
        (BY_PURCHASE, 5001, False, "card_fee.paid_fen"),
        (BY_PURCHASE, 5000, False, None),
        (BY_PURCHASE, None, True, None),
    ],
)
def test_a_card_fee_is_paid_in_full_or_waived_and_only_when_charged(
    policy: Policy, paid_fen: int | None, waived: bool, field: str | None
) -> None:
    shortfall = card_fee_shortfall(policy, paid_fen, waived)
    assert (shortfall.field if shortfall else None) == field

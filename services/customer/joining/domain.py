"""Pure rules of joining: whether a qualification meets the policy, whether a card fee was
settled as the policy asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Admission = Literal["open", "purchase", "earlier_customer"]
ADMISSIONS: tuple[Admission, ...] = ("open", "purchase", "earlier_customer")
"""``open``: anyone; ``purchase``: one receipt at or over ``min_purchase_fen`` (一次性购买);
``earlier_customer``: proof of having bought before (seed 002)."""

ProofKind = Literal["packaging", "event_photo", "old_card", "old_receipt", "order_record"]
PROOF_KINDS: tuple[ProofKind, ...] = (
    "packaging",
    "event_photo",
    "old_card",
    "old_receipt",
    "order_record",
)
"""What staff saw as proof of an earlier purchase: the product's packaging, a photo from a
brand event, an old membership card, an old receipt, or the brand's own order record."""

Tender = Literal["cash", "bank_card", "wechat", "alipay", "unionpay_qr", "voucher"]
TENDERS: tuple[Tender, ...] = ("cash", "bank_card", "wechat", "alipay", "unionpay_qr", "voucher")


@dataclass(frozen=True)
class Policy:
    """The brand's joining policy; ``version`` 0: never set (open, no card fee)."""

    admits: tuple[Admission, ...] = ("open",)
    min_purchase_fen: int | None = None
    card_fee_fen: int = 0
    version: int = 0

    @property
    def is_open(self) -> bool:
        return "open" in self.admits


OPEN = Policy()


@dataclass(frozen=True)
class Shortfall:
    """Why a registration does not meet the policy, and the field it names."""

    field: str
    reason: str


def qualification_shortfall(
    policy: Policy, kind: str | None, amount_fen: int | None
) -> Shortfall | None:
    """Whether a qualification of ``kind`` (``purchase`` with ``amount_fen``, or
    ``earlier_customer``; ``None``: none given) admits under ``policy``; ``None`` if it
    does. An open policy admits anyone, with or without a qualification."""
    if policy.is_open:
        return None
    allowed = " or ".join(a.replace("_", " ") for a in policy.admits)
    if kind is None:
        return Shortfall("qualification", f"Joining needs a qualification: {allowed}")
    if kind not in policy.admits:
        return Shortfall("qualification.kind", f"The policy admits by {allowed} only")
    minimum = policy.min_purchase_fen or 0
    if kind == "purchase" and (amount_fen or 0) < minimum:
        return Shortfall(
            "qualification.amount_fen",
            f"A qualifying purchase is at least {minimum} fen; this receipt is {amount_fen} fen",
        )
    return None


def card_fee_shortfall(policy: Policy, paid_fen: int | None, waived: bool) -> Shortfall | None:
    """Whether the card fee was settled: with a fee, paid in full (exactly the fee) or
    waived; without one, nothing paid. ``paid_fen`` ``None`` and not ``waived``: no
    ``card_fee`` given."""
    fee = policy.card_fee_fen
    if fee == 0:
        if paid_fen or waived:
            return Shortfall("card_fee", "The policy charges no card fee: leave card_fee out")
        return None
    if waived:
        return None
    if paid_fen is None:
        return Shortfall("card_fee", f"The card fee is {fee} fen: give it paid, or waived")
    if paid_fen != fee:
        return Shortfall("card_fee.paid_fen", f"The card fee is {fee} fen, not {paid_fen}")
    return None

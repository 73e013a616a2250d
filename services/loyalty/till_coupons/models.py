"""The table of coupons at the till: each reservation of a coupon for a sale and what
became of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.loyalty.base import SCHEMA, LoyaltyTable, amount_column, now, timestamp_column
from services.loyalty.till_coupons.domain import IN_USE, RELEASE_REASONS, STATUSES

MAX_SALE_REF = 64


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class CouponRedemption(LoyaltyTable, table=True):
    """A coupon reserved for a sale in progress at a store, priced on the basket the till
    sent (``lines``: each line with the coupon's share of it, see
    :class:`~services.loyalty.till_coupons.domain.BasketLine`). The coupons of one hold
    (``hold_id``: a till's one request, stacked coupons) move together.

    ``ux_coupon_redemptions_in_use`` lets at most one redemption of a coupon be held,
    committed or confirmed: single use, whatever the code above does. ``expires_at`` is
    when the sweep releases it (the hold's end while ``held``, the grace for the sale's
    event while ``committed``). ``returned`` counts the units per line number the sale's
    returns brought back, ``return_ids`` the returns counted (each once).
    """

    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        CheckConstraint(_among("status", STATUSES), name="ck_coupon_redemptions_status"),
        CheckConstraint(
            "release_reason IS NULL OR " + _among("release_reason", RELEASE_REASONS),
            name="ck_coupon_redemptions_release_reason",
        ),
        CheckConstraint("discount_fen > 0", name="ck_coupon_redemptions_discount"),
        CheckConstraint(
            "status IN ('held', 'released') OR purchase_id IS NOT NULL",
            name="ck_coupon_redemptions_purchase",
        ),
        CheckConstraint(
            "(status IN ('released', 'restored')) = (release_reason IS NOT NULL)",
            name="ck_coupon_redemptions_released",
        ),
        Index(
            "ux_coupon_redemptions_in_use",
            "coupon_id",
            unique=True,
            postgresql_where=text(_among("status", IN_USE)),
        ),
        Index(
            "ix_coupon_redemptions_due",
            "expires_at",
            postgresql_where=text("status IN ('held', 'committed')"),
        ),
        Index("ix_coupon_redemptions_purchase", "purchase_id"),
        Index("ix_coupon_redemptions_account_id", "account_id"),
        Index("ix_coupon_redemptions_hold_id", "hold_id"),
    )

    reservation_id: uuid.UUID = Field(primary_key=True)
    hold_id: uuid.UUID
    coupon_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.coupons.id"), nullable=False)
    )
    account_id: uuid.UUID
    member_id: uuid.UUID
    store_id: uuid.UUID
    sale_ref: str = Field(sa_column=Column(String(MAX_SALE_REF), nullable=False))
    lines: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    discount_fen: int = Field(sa_column=amount_column())
    status: str = Field(sa_column=Column(String(16), nullable=False))
    purchase_id: uuid.UUID | None = None
    commit_attempt: uuid.UUID | None = None
    """The attempt of the sale that last committed it (orders' ``attempt_id``)."""
    expires_at: datetime = Field(sa_column=timestamp_column())
    release_reason: str | None = Field(default=None, sa_column=Column(String(16)))
    returned: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    return_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]")
    )
    created_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=now, sa_column=timestamp_column())
    released_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))

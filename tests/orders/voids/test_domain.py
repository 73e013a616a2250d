"""When a sale may still be voided, as pure rules."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.orders.purchases.domain import Sold, SoldLine
from services.orders.purchases.errors import PurchaseVoided
from services.orders.tenders.domain import Paid
from services.orders.voids.domain import check_voidable, void_deadline
from services.orders.voids.errors import PurchaseHasReturns, VoidWindowClosed

SHANGHAI = "Asia/Shanghai"
SALE_AT = datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai


def _sold(**changes: object) -> Sold:
    sold = Sold(
        purchase_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        total_fen=1_000,
        purchased_at=SALE_AT,
        lines={1: SoldLine(1, 1, 1_000, 0, "HC-001", "health")},
        tenders=(Paid("card", 1_000, 1_000),),
        voided_at=None,
    )
    return replace(sold, **changes)  # type: ignore[arg-type]


def test_the_window_ends_at_midnight_of_the_sales_business_day() -> None:
    assert void_deadline(SALE_AT, SHANGHAI, None) == datetime(2026, 11, 23, 16, tzinfo=UTC)
    next_day = SALE_AT + timedelta(seconds=1)  # 00:00 on the 24th in Shanghai
    assert void_deadline(next_day, SHANGHAI, None) == datetime(2026, 11, 24, 16, tzinfo=UTC)
    assert void_deadline(SALE_AT, "UTC", None) == datetime(2026, 11, 24, tzinfo=UTC)


def test_a_window_in_minutes_counts_from_the_sale() -> None:
    assert void_deadline(SALE_AT, SHANGHAI, 30) == SALE_AT + timedelta(minutes=30)


def test_a_sale_is_voidable_until_its_deadline_only() -> None:
    check_voidable(_sold(), SALE_AT + timedelta(milliseconds=999), SHANGHAI, None)
    with pytest.raises(VoidWindowClosed, match="its business day"):
        check_voidable(_sold(), SALE_AT + timedelta(seconds=1), SHANGHAI, None)
    with pytest.raises(VoidWindowClosed, match="30 minutes after the sale"):
        check_voidable(_sold(), SALE_AT + timedelta(minutes=30), "UTC", 30)


def test_a_voided_or_partly_returned_sale_cannot_be_voided() -> None:
    with pytest.raises(PurchaseVoided, match="voided already"):
        check_voidable(_sold(voided_at=SALE_AT), SALE_AT, SHANGHAI, None)
    returned = {1: SoldLine(1, 2, 500, 1, "HC-001", "health")}
    with pytest.raises(PurchaseHasReturns, match="500 fen of 1000 fen"):
        check_voidable(_sold(lines=returned), SALE_AT, SHANGHAI, None)

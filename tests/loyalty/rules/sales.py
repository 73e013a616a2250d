"""Sales dated in a year of their own, so a test's rule version rates only its own sales.

The program is shared by every loyalty test: a test puts a version in force from
1 January of a year a few years ahead (each test its own year) and sends purchases made
in that year, so the versions of other tests, and the seeds rule in force now, never
rate them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from shared.events import CloudEvent
from shared.events.orders import PurchaseCompleted, PurchaseLine, Receipt, TenderPaid

SHANGHAI = ZoneInfo("Asia/Shanghai")


def new_year(years_ahead: int) -> datetime:
    """Midnight starting 1 January, ``years_ahead`` years from now, in the brand's timezone."""
    return datetime(datetime.now(SHANGHAI).year + years_ahead, 1, 1, tzinfo=SHANGHAI)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def line(no: int, sku: str, category: str, amount_fen: int) -> PurchaseLine:
    return PurchaseLine(
        line_no=no,
        sku=sku,
        category=category,
        quantity=1,
        unit_price_fen=amount_fen,
        amount_fen=amount_fen,
    )


def sale_event(
    member_id: uuid.UUID,
    purchased_at: datetime,
    *lines: PurchaseLine,
    vouchers_fen: int = 0,
    store_id: uuid.UUID | None = None,
) -> CloudEvent:
    """A purchase of ``lines``, paid by vouchers for ``vouchers_fen`` and the rest in cash."""
    total = sum(item.amount_fen for item in lines)
    tenders = [TenderPaid(kind="cash", amount_fen=total - vouchers_fen, tendered_fen=total)]
    if vouchers_fen:
        tenders.append(TenderPaid(kind="voucher", amount_fen=vouchers_fen, tendered_fen=0))
    payload = PurchaseCompleted(
        purchase_id=uuid.uuid4(),
        member_id=member_id,
        store_id=store_id or uuid.uuid4(),
        lines=lines,
        total_fen=total,
        purchased_at=purchased_at,
        receipt=Receipt(tenders=tuple(tenders), tendered_fen=total, change_fen=0),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")

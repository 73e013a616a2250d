"""Use cases of the orders service. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from services.orders import domain, repository
from services.orders.models import Purchase, PurchaseLine, Store, idempotency, outbox
from services.orders.schemas import (
    BatchOut,
    BatchSale,
    PurchaseCreate,
    PurchaseLineOut,
    PurchaseOut,
    PurchasePage,
    ReturnCreate,
    ReturnLineOut,
    ReturnOut,
    SaleProblem,
    SaleResult,
)
from shared.auth import generate_api_key, hash_api_key
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.errors import NotFound, ProblemError, Unprocessable
from shared.events import CloudEvent
from shared.events import orders as events
from shared.events.customer import MemberRegistered
from shared.idempotency import StoredAnswer
from shared.pagination import decode_cursor, encode_cursor

SOURCE = "/huiyuan/orders"


async def create_store(session: AsyncSession, name: str) -> tuple[Store, str]:
    """A new store and its plain API key; only the key's hash is stored, so show it now."""
    name = name.strip()
    if not name:
        raise Unprocessable("A store needs a name")
    api_key = generate_api_key()
    store = Store(name=name, api_key_hash=hash_api_key(api_key))
    session.add(store)
    await session.flush()
    return store, api_key


@dataclass(frozen=True)
class StoreRef:
    """The store a request came from (a plain value: safe to keep across sessions)."""

    id: uuid.UUID
    name: str


class KnownStores:
    """Stores by the hash of their API key, remembered after the first lookup.

    Every sale names its store by key, and a store's key never changes once issued, so a
    remembered store cannot go stale; unknown keys are not remembered, so a new store's
    key works at once. (Should keys ever be revoked, revoking must forget them here.)
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._by_key_hash: dict[str, StoreRef] = {}

    async def for_key(self, session: AsyncSession, api_key: str) -> StoreRef | None:
        key_hash = hash_api_key(api_key)
        known = self._by_key_hash.get(key_hash)
        if known is None:
            store = await repository.store_by_key_hash(session, key_hash)
            if store is None:
                return None
            known = StoreRef(store.id, store.name)
            if len(self._by_key_hash) < self._limit:
                self._by_key_hash[key_hash] = known
        return known


async def record_member(session: AsyncSession, registered: MemberRegistered) -> None:
    """Adds a member to orders' directory; seeing the same member again changes nothing."""
    await repository.add_member(
        session, registered.member_id, registered.card_number, registered.phone_hash
    )


async def record_purchase(
    session: AsyncSession,
    cipher: PiiCipher,
    store_id: uuid.UUID,
    data: PurchaseCreate,
    *,
    now: datetime | None = None,
) -> PurchaseOut:
    purchased_at = domain.sale_time(data.purchased_at, now or datetime.now(UTC)).astimezone(UTC)
    member_id = await _member_of(session, cipher, data)
    purchase_id = uuid.uuid4()
    priced = [domain.PricedLine(line.quantity, line.unit_price_fen) for line in data.lines]
    total = domain.total_fen(priced)
    lines = [
        events.PurchaseLine(
            line_no=line_no,
            sku=line.sku,
            category=line.category,
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
            amount_fen=price.amount_fen,
        )
        for line_no, (line, price) in enumerate(zip(data.lines, priced, strict=True), start=1)
    ]
    await repository.insert_purchase(
        session,
        {
            "id": purchase_id,
            "store_id": store_id,
            "member_id": member_id,
            "total_fen": total,
            "purchased_at": purchased_at,
            "receipt_no": data.receipt_no,
            "created_at": datetime.now(UTC),
        },
        [line.model_dump() for line in lines],
    )
    completed = events.PurchaseCompleted(
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=store_id,
        lines=tuple(lines),
        total_fen=total,
        purchased_at=purchased_at,
    )
    await outbox.add(session, CloudEvent.of(completed, source=SOURCE, subject=member_id))
    return PurchaseOut(
        id=purchase_id,
        member_id=member_id,
        store_id=store_id,
        total_fen=total,
        purchased_at=purchased_at,
        receipt_no=data.receipt_no,
        lines=[PurchaseLineOut(**line.model_dump(), returned_quantity=0) for line in lines],
    )


async def record_purchase_once(
    session: AsyncSession,
    cipher: PiiCipher,
    store_id: uuid.UUID,
    data: PurchaseCreate,
    *,
    key: str,
    retention: timedelta,
) -> StoredAnswer:
    """Records a sale unless the store already sent this key; then answers as the first time."""

    async def record() -> PurchaseOut:
        return await record_purchase(session, cipher, store_id, data)

    return await idempotency.run(
        session,
        scope=f"store:{store_id}",
        key=key,
        request=data,
        retention=retention,
        action=record,
    )


async def record_batch(
    session: AsyncSession,
    cipher: PiiCipher,
    store_id: uuid.UUID,
    sales: Sequence[BatchSale | dict[str, Any]],
    *,
    retention: timedelta,
) -> BatchOut:
    """Each sale as if posted alone, in its own savepoint: a refused sale leaves no trace
    and does not undo the others, which commit together with the caller's transaction."""
    results = [
        await _record_batch_sale(session, cipher, store_id, index, sale, retention)
        for index, sale in enumerate(sales)
    ]
    return BatchOut(
        accepted=sum(r.status == 201 and not r.replayed for r in results),
        replayed=sum(r.replayed for r in results),
        rejected=sum(r.error is not None for r in results),
        results=results,
    )


async def _record_batch_sale(
    session: AsyncSession,
    cipher: PiiCipher,
    store_id: uuid.UUID,
    index: int,
    sale: BatchSale | dict[str, Any],
    retention: timedelta,
) -> SaleResult:
    key = sale.idempotency_key if isinstance(sale, BatchSale) else sale.get("idempotency_key")
    shown_key = key if isinstance(key, str) else None
    try:
        valid = sale if isinstance(sale, BatchSale) else BatchSale.model_validate(sale)
    except ValidationError as invalid:
        problem = _invalid_sale(index, invalid)
        return SaleResult(index=index, idempotency_key=shown_key, status=422, error=problem)
    try:
        async with session.begin_nested():
            answer = await record_purchase_once(
                session,
                cipher,
                store_id,
                valid.sale(),
                key=valid.idempotency_key,
                retention=retention,
            )
    except ProblemError as refused:
        problem = _refused_sale(index, refused)
        return SaleResult(
            index=index, idempotency_key=shown_key, status=refused.status, error=problem
        )
    return SaleResult(
        index=index,
        idempotency_key=valid.idempotency_key,
        status=answer.status,
        replayed=answer.replayed,
        purchase=PurchaseOut.model_validate(answer.body),
    )


def _in_batch(index: int, location: str) -> str:
    """``body.lines.0`` of a single sale is ``body.sales.<index>.lines.0`` in a batch."""
    return f"body.sales.{index}.{location.removeprefix('body.')}"


def _invalid_sale(index: int, invalid: ValidationError) -> SaleProblem:
    errors = [
        {
            "location": _in_batch(index, ".".join(str(part) for part in error["loc"])),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in invalid.errors()
    ]
    summary = "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5])
    return SaleProblem(
        title="Invalid sale",
        status=422,
        detail=f"Sale {index} is invalid: {summary}",
        index=index,
        errors=errors,
    )


def _refused_sale(index: int, refused: ProblemError) -> SaleProblem:
    errors = refused.extensions.get("errors")
    return SaleProblem(
        type=refused.problem_type,
        title=refused.title,
        status=refused.status,
        detail=refused.detail,
        index=index,
        errors=[
            {**error, "location": _in_batch(index, str(error.get("location", "")))}
            for error in errors
        ]
        if isinstance(errors, list)
        else None,
    )


async def get_purchase(
    session: AsyncSession, store_id: uuid.UUID, purchase_id: uuid.UUID
) -> PurchaseOut:
    purchase = await repository.purchase_of_store(session, store_id, purchase_id)
    if purchase is None:
        raise NotFound(f"No purchase {purchase_id} at this store")
    lines = await repository.lines_of(session, [purchase_id])
    return _purchase_out(purchase, lines)


async def list_purchases(
    session: AsyncSession, store_id: uuid.UUID, limit: int, cursor: str | None
) -> PurchasePage:
    before = decode_cursor(cursor) if cursor else None
    purchases = await repository.recent_purchases(session, store_id, limit + 1, before)
    more = len(purchases) > limit
    purchases = purchases[:limit]
    lines = await repository.lines_of(session, [p.id for p in purchases])
    by_purchase: dict[uuid.UUID, list[PurchaseLine]] = {}
    for line in lines:
        by_purchase.setdefault(line.purchase_id, []).append(line)
    items = [_purchase_out(p, by_purchase.get(p.id, [])) for p in purchases]
    next_cursor = encode_cursor(purchases[-1].purchased_at, purchases[-1].id) if more else None
    return PurchasePage(items=items, next_cursor=next_cursor)


async def return_purchase(
    session: AsyncSession,
    store_id: uuid.UUID,
    purchase_id: uuid.UUID,
    data: ReturnCreate,
    *,
    now: datetime | None = None,
) -> ReturnOut:
    purchase = await repository.purchase_of_store(session, store_id, purchase_id, lock=True)
    if purchase is None:
        raise NotFound(f"No purchase {purchase_id} at this store")
    lines = {line.line_no: line for line in await repository.lines_of(session, [purchase_id])}
    sold = {
        no: domain.SoldLine(no, line.quantity, line.unit_price_fen, line.returned_quantity)
        for no, line in lines.items()
    }
    requested = None if data.all else [(line.line_no, line.quantity) for line in data.lines or []]
    plan = domain.plan_return(sold, requested)
    returned = [
        events.ReturnedLine(
            line_no=no,
            sku=lines[no].sku,
            category=lines[no].category,
            quantity=quantity,
            amount_fen=domain.PricedLine(quantity, lines[no].unit_price_fen).amount_fen,
        )
        for no, quantity in plan
    ]
    return_id = uuid.uuid4()
    amount = sum(line.amount_fen for line in returned)
    returned_at = now or datetime.now(UTC)
    await repository.insert_return(
        session,
        {
            "id": return_id,
            "purchase_id": purchase_id,
            "amount_fen": amount,
            "returned_at": returned_at,
        },
        [
            {
                "return_id": return_id,
                "line_no": line.line_no,
                "quantity": line.quantity,
                "amount_fen": line.amount_fen,
            }
            for line in returned
        ],
    )
    await repository.add_returned_quantities(session, purchase_id, plan)
    event = events.PurchaseReturned(
        return_id=return_id,
        purchase_id=purchase_id,
        member_id=purchase.member_id,
        store_id=store_id,
        lines=tuple(returned),
        amount_fen=amount,
        purchase_total_fen=purchase.total_fen,
        returned_at=returned_at,
    )
    await outbox.add(session, CloudEvent.of(event, source=SOURCE, subject=purchase.member_id))
    return ReturnOut(
        id=return_id,
        purchase_id=purchase_id,
        amount_fen=amount,
        purchase_total_fen=purchase.total_fen,
        returned_at=returned_at,
        lines=[ReturnLineOut(**line.model_dump()) for line in returned],
    )


async def _member_of(session: AsyncSession, cipher: PiiCipher, data: PurchaseCreate) -> uuid.UUID:
    if data.member_id is not None:
        field, shown = "member_id", f" {data.member_id}"
        found = await repository.find_member_id(session, member_id=data.member_id)
    elif data.card_number is not None:
        field, shown = "card_number", f" {data.card_number!r}"
        found = await repository.find_member_id(session, card_number=data.card_number)
    else:
        assert data.phone is not None  # the schema requires exactly one reference
        field, shown = "phone", ""  # never echo a phone number
        found = await repository.find_member_id(session, phone_hash=cipher.phone_hash(data.phone))
    if found is None:
        message = (
            f"No member with this {field}{shown} is known to orders. A member who has just "
            "registered becomes known here within about a second; retry shortly."
        )
        raise Unprocessable(
            message,
            title="Unknown member",
            errors=[{"location": f"body.{field}", "message": "unknown member"}],
        )
    return found


def _purchase_out(purchase: Purchase, lines: list[PurchaseLine]) -> PurchaseOut:
    return PurchaseOut(
        id=purchase.id,
        member_id=purchase.member_id,
        store_id=purchase.store_id,
        total_fen=purchase.total_fen,
        purchased_at=purchase.purchased_at,
        receipt_no=purchase.receipt_no,
        lines=[
            PurchaseLineOut(
                line_no=line.line_no,
                sku=line.sku,
                category=line.category,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                amount_fen=domain.PricedLine(line.quantity, line.unit_price_fen).amount_fen,
                returned_quantity=line.returned_quantity,
            )
            for line in lines
        ],
    )

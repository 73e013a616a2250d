"""Use cases of the orders service. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from services.orders import domain, repository
from services.orders.errors import PurchaseNotFound, UnknownMember
from services.orders.models import Purchase, PurchaseLine, Store, emit, idempotency
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
from shared.auth import StoreRef, generate_api_key, hash_api_key
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.errors import InvalidRequest, ProblemError, Unprocessable, summarize, validation_errors
from shared.events import CloudEvent
from shared.events import orders as events
from shared.events.customer import MemberRegistered
from shared.idempotency import StoredAnswer, identify, reused_key
from shared.pagination import decode_cursor, encode_cursor


async def create_store(session: AsyncSession, name: str) -> tuple[Store, str]:
    """A new store and its plain API key; only the key's hash is stored, so show it now."""
    name = name.strip()
    if not name:
        raise Unprocessable("A store needs a name", field="name")
    api_key = generate_api_key()
    store = Store(name=name, api_key_hash=hash_api_key(api_key))
    session.add(store)
    await session.flush()
    return store, api_key


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
    member_id = await _member_of(session, cipher, data)
    sale = _sale_for(store_id, data, member_id, now or datetime.now(UTC))
    await repository.insert_purchase(session, sale.purchase, sale.lines)
    await emit.outbox.add(session, sale.event)
    return sale.out


def _priced_lines(data: PurchaseCreate) -> tuple[list[events.PurchaseLine], int]:
    priced = [domain.PricedLine(line.quantity, line.unit_price_fen) for line in data.lines]
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
    return lines, domain.total_fen(priced)


def _new_purchase_out(purchase: dict[str, Any], lines: list[events.PurchaseLine]) -> PurchaseOut:
    return PurchaseOut(
        id=purchase["id"],
        member_id=purchase["member_id"],
        store_id=purchase["store_id"],
        total_fen=purchase["total_fen"],
        purchased_at=purchase["purchased_at"],
        receipt_no=purchase["receipt_no"],
        lines=[PurchaseLineOut(**line.model_dump(), returned_quantity=0) for line in lines],
    )


async def record_batch(
    session: AsyncSession,
    cipher: PiiCipher,
    store: StoreRef,
    sales: Sequence[BatchSale | dict[str, Any]],
    *,
    sent: Sequence[Any],
    retention: timedelta,
) -> BatchOut:
    """Each sale answered as if posted alone, all written set-wise in the caller's transaction.

    ``sent`` is ``sales`` as the store sent them (parsed JSON): what identifies each sale
    with its key (``shared.idempotency.identity``).

    Every refusal is decided before anything is written, so a refused sale leaves no trace
    without a savepoint: one statement for all keys' stored answers and locks, one per
    kind of member reference, then one each for purchases with lines, events and answers.
    """
    scope = store.idempotency_scope
    results: list[SaleResult | None] = [None] * len(sales)
    valid: list[tuple[int, BatchSale, PurchaseCreate]] = []
    for index, sale in enumerate(sales):
        try:
            checked = sale if isinstance(sale, BatchSale) else BatchSale.model_validate(sale)
        except ValidationError as invalid:
            key = sale.get("idempotency_key") if isinstance(sale, dict) else None
            results[index] = SaleResult(
                index=index,
                idempotency_key=key if isinstance(key, str) else None,
                status=422,
                error=_invalid_sale(index, invalid),
            )
            continue
        valid.append((index, checked, checked.sale()))
    claims = await idempotency.claim_many(
        session, scope=scope, keys=[checked.idempotency_key for _, checked, _ in valid]
    )
    to_record = [data for _, checked, data in valid if claims[checked.idempotency_key].locked]
    members = await _members_of(session, cipher, to_record)
    now = datetime.now(UTC)
    recorded: dict[str, tuple[str, dict[str, Any]]] = {}
    rows: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    completed: list[CloudEvent] = []
    for index, checked, data in valid:
        key = checked.idempotency_key
        request = identify(_sale_as_sent(sent[index]), data)
        out: PurchaseOut | None = None
        try:
            answer = claims[key].answer(request)
            if answer is None and key in recorded:  # the key came earlier in this batch
                first_hash, first_body = recorded[key]
                if first_hash != request.hash:
                    raise reused_key(key)
                answer = StoredAnswer(201, first_body, replayed=True)
            if answer is None:
                new = _new_sale(store.id, data, members, now)
                rows.append((new.purchase, new.lines))
                completed.append(new.event)
                out = new.out
                answer = StoredAnswer(201, out.model_dump(mode="json"), replayed=False)
                recorded[key] = (request.hash, answer.body)
        except ProblemError as refused:
            results[index] = SaleResult(
                index=index,
                idempotency_key=key,
                status=refused.status,
                error=_refused_sale(index, refused),
            )
            continue
        results[index] = SaleResult(
            index=index,
            idempotency_key=key,
            status=answer.status,
            replayed=answer.replayed,
            purchase=out or PurchaseOut.model_validate(answer.body),
        )
    await repository.insert_purchases(session, rows)
    await emit.outbox.add(session, *completed)
    await idempotency.store_many(
        session,
        scope=scope,
        answers=[(key, request_hash, body) for key, (request_hash, body) in recorded.items()],
        retention=retention,
    )
    done = [result for result in results if result is not None]
    return BatchOut(
        accepted=sum(r.status == 201 and not r.replayed for r in done),
        replayed=sum(r.replayed for r in done),
        rejected=sum(r.error is not None for r in done),
        results=done,
    )


def _sale_as_sent(sale: Any) -> Any:
    """A batch's sale as a single post would send it: without its idempotency key."""
    if isinstance(sale, dict):
        return {name: value for name, value in sale.items() if name != "idempotency_key"}
    return sale


@dataclass(frozen=True)
class _NewSale:
    purchase: dict[str, Any]
    lines: list[dict[str, Any]]
    event: CloudEvent
    out: PurchaseOut


@dataclass(frozen=True)
class _Members:
    """Known members by each kind of reference a sale may use."""

    by_id: set[uuid.UUID]
    by_card: dict[str, uuid.UUID]
    by_phone_hash: dict[str, uuid.UUID]
    phone_hashes: dict[str, str]


async def _members_of(
    session: AsyncSession, cipher: PiiCipher, sales: Sequence[PurchaseCreate]
) -> _Members:
    phone_hashes = {s.phone: cipher.phone_hash(s.phone) for s in sales if s.phone is not None}
    ids = {s.member_id for s in sales if s.member_id is not None}
    cards = {s.card_number for s in sales if s.card_number is not None}
    return _Members(
        by_id=set((await repository.find_member_ids(session, member_ids=ids)).values()),
        by_card=await repository.find_member_ids(session, card_numbers=cards),
        by_phone_hash=await repository.find_member_ids(
            session, phone_hashes=set(phone_hashes.values())
        ),
        phone_hashes=phone_hashes,
    )


def _new_sale(
    store_id: uuid.UUID, data: PurchaseCreate, members: _Members, now: datetime
) -> _NewSale:
    """A batch's sale with its member looked up among the batch's members."""
    if data.member_id is not None:
        member_id = data.member_id if data.member_id in members.by_id else None
    elif data.card_number is not None:
        member_id = members.by_card.get(data.card_number)
    else:
        assert data.phone is not None  # the schema requires exactly one reference
        member_id = members.by_phone_hash.get(members.phone_hashes[data.phone])
    if member_id is None:
        raise _unknown_member(data)
    return _sale_for(store_id, data, member_id, now)


def _sale_for(
    store_id: uuid.UUID, data: PurchaseCreate, member_id: uuid.UUID, now: datetime
) -> _NewSale:
    """The rows, the event and the answer of one new sale by a known member."""
    purchased_at = domain.sale_time(data.purchased_at, now).astimezone(UTC)
    purchase_id = uuid.uuid4()
    lines, total = _priced_lines(data)
    purchase = {
        "id": purchase_id,
        "store_id": store_id,
        "member_id": member_id,
        "total_fen": total,
        "purchased_at": purchased_at,
        "receipt_no": data.receipt_no,
        "created_at": now,
    }
    completed = events.PurchaseCompleted(
        purchase_id=purchase_id,
        member_id=member_id,
        store_id=store_id,
        lines=tuple(lines),
        total_fen=total,
        purchased_at=purchased_at,
    )
    return _NewSale(
        purchase=purchase,
        lines=[line.model_dump() for line in lines],
        event=emit.envelope(completed),
        out=_new_purchase_out(purchase, lines),
    )


def _invalid_sale(index: int, invalid: ValidationError) -> SaleProblem:
    errors = validation_errors(invalid.errors(), prefix=("body", "sales", index))
    return _refused_sale(
        index, InvalidRequest(f"Sale {index} is invalid: {summarize(errors)}", errors=errors)
    )


def _refused_sale(index: int, refused: ProblemError) -> SaleProblem:
    errors = refused.extensions.get("errors") or refused.errors(body=f"body.sales.{index}")
    return SaleProblem(
        type=refused.problem_type,
        title=refused.title,
        status=refused.status,
        detail=refused.detail,
        index=index,
        errors=errors,
    )


async def get_purchase(
    session: AsyncSession, store_id: uuid.UUID, purchase_id: uuid.UUID
) -> PurchaseOut:
    purchase = await repository.purchase_of_store(session, store_id, purchase_id)
    if purchase is None:
        raise PurchaseNotFound(f"No purchase {purchase_id} at this store")
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
        raise PurchaseNotFound(f"No purchase {purchase_id} at this store")
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
    await emit(session, event)
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
        found = await repository.find_member_id(session, member_id=data.member_id)
    elif data.card_number is not None:
        found = await repository.find_member_id(session, card_number=data.card_number)
    else:
        assert data.phone is not None  # the schema requires exactly one reference
        found = await repository.find_member_id(session, phone_hash=cipher.phone_hash(data.phone))
    if found is None:
        raise _unknown_member(data)
    return found


def _unknown_member(data: PurchaseCreate) -> UnknownMember:
    if data.member_id is not None:
        field, shown = "member_id", f" {data.member_id}"
    elif data.card_number is not None:
        field, shown = "card_number", f" {data.card_number!r}"
    else:
        field, shown = "phone", ""  # never echo a phone number
    message = (
        f"No member with this {field}{shown} is known to orders. A member who has just "
        "registered becomes known here within about a second; retry shortly."
    )
    return UnknownMember(message, field=field)


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

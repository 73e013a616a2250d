"""Use case of a batch of sales: each answered as if posted alone, all written set-wise."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from services.orders.base import idempotency
from services.orders.catalog import service as catalog
from services.orders.directory import service as directory
from services.orders.purchases import domain, repository
from services.orders.purchases import service as purchases
from services.orders.purchases.batch.schemas import BatchOut, BatchSale, SaleProblem, SaleResult
from services.orders.purchases.errors import ReceiptInProgress
from services.orders.purchases.repository import SaleRows
from services.orders.purchases.schemas import SALE_ROUTE, PurchaseCreate, PurchaseOut
from shared.auth import StoreRef
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.errors import InvalidRequest, ProblemError, summarize, validation_errors
from shared.events import CloudEvent
from shared.idempotency import RequestIdentity, StoredAnswer, check_key, identify, reused_key


async def record_batch(
    session: AsyncSession,
    cipher: PiiCipher,
    store: StoreRef,
    sales: Sequence[BatchSale | dict[str, Any]],
    *,
    sent: Sequence[Any],
    retention: timedelta,
) -> BatchOut:
    """Each sale answered as if posted alone, one after the other, in the caller's
    transaction.

    ``sent`` is ``sales`` as the store sent them (parsed JSON): what identifies each sale
    with its key and its receipt number (``shared.idempotency.identity``).

    Every refusal is decided before anything is written, so a refused sale leaves no
    trace without a savepoint: one statement for all keys' stored answers and locks, one
    per kind of member reference, one for the catalog's products among the sales' SKUs,
    one for the receipt numbers already held (and two for the first answers of the sales
    repeated under a new key), then one each for purchases with lines, events and answers.
    Raises ``ReceiptInProgress`` (409, nothing written) if another request records one of
    the batch's receipt numbers meanwhile.
    """
    results: list[SaleResult | None] = [None] * len(sales)
    valid: list[tuple[int, str, PurchaseCreate, RequestIdentity, RequestIdentity]] = []
    for index, given in enumerate(sales):
        try:
            checked = given if isinstance(given, BatchSale) else BatchSale.model_validate(given)
        except ValidationError as invalid:
            key = given.get("idempotency_key") if isinstance(given, dict) else None
            results[index] = _refused(index, _usable_key(key), _invalid(index, invalid))
            continue
        data = checked.sale()
        # under its key, each sale of a batch is the request a single POST would be; its
        # receipt number's identity is the sale's alone, as a single POST records it
        as_sent = _as_sent(sent[index])
        request = identify(as_sent, data, route=SALE_ROUTE)
        valid.append((index, checked.idempotency_key, data, request, identify(as_sent, data)))
    claims = await idempotency.claim_many(
        session, scope=store.idempotency_scope, keys=[key for _, key, _, _, _ in valid]
    )
    to_record = [(data, sale) for _, key, data, _, sale in valid if claims[key].locked]
    members = await directory.find_members(session, cipher, [data for data, _ in to_record])
    products = await catalog.find_products(session, [data for data, _ in to_record])
    held = await repository.receipt_holders(
        session, store.id, {data.receipt_no for data, _ in to_record if data.receipt_no}
    )
    first = await purchases.first_answers(session, _repeated(to_record, held))
    holders = dict(held)
    bodies = {purchase_id: out.model_dump(mode="json") for purchase_id, out in first.items()}
    now = datetime.now(UTC)
    recorded: dict[str, tuple[str, dict[str, Any]]] = {}
    rows: list[SaleRows] = []
    completed: list[CloudEvent] = []
    for index, key, data, request, receipt in valid:
        new: PurchaseOut | None = None
        try:
            answer = claims[key].answer(request)
            if answer is None and key in recorded:  # the key came earlier in this batch
                first_hash, first_body = recorded[key]
                if first_hash != request.hash:
                    raise reused_key(key)
                answer = StoredAnswer(201, first_body, replayed=True)
            if answer is None:
                sale = purchases.new_sale(
                    store.id, products.categorised(data), members, now, receipt
                )
                holder = holders.get(data.receipt_no) if data.receipt_no else None
                if data.receipt_no is not None and holder is not None:
                    domain.check_repeat(data.receipt_no, holder, receipt)
                    answer = StoredAnswer(201, bodies[holder.purchase_id], replayed=True)
                else:
                    rows.append(sale.rows)
                    completed.append(sale.event)
                    new = sale.out
                    answer = StoredAnswer(201, new.model_dump(mode="json"), replayed=False)
                    if data.receipt_no is not None:  # later sales repeat this one
                        holders[data.receipt_no] = domain.ReceiptHolder(new.id, receipt.hash)
                        bodies[new.id] = answer.body
                recorded[key] = (request.hash, answer.body)
        except ProblemError as refused:
            results[index] = _refused(index, key, refused)
            continue
        results[index] = SaleResult(
            index=index,
            idempotency_key=key,
            status=answer.status,
            replayed=answer.replayed,
            purchase=new or PurchaseOut.model_validate(answer.body),
        )
    if len(await repository.insert_purchases(session, rows, completed)) < len(rows):
        raise ReceiptInProgress(
            "Another request recorded a receipt number of this batch while it was being "
            "recorded; nothing of this batch was saved. Send it again (same keys) to get "
            "each sale's answer.",
            headers={"Retry-After": "1"},
        )
    await idempotency.store_many(
        session,
        scope=store.idempotency_scope,
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


def _as_sent(sale: Any) -> Any:
    """A batch's sale as a single post would send it: without its idempotency key."""
    if isinstance(sale, dict):
        return {name: value for name, value in sale.items() if name != "idempotency_key"}
    return sale


def _repeated(
    sales: Sequence[tuple[PurchaseCreate, RequestIdentity]],
    held: Mapping[str, domain.ReceiptHolder],
) -> set[uuid.UUID]:
    """The purchases holding a receipt number that one of ``sales`` repeats."""
    return {
        holder.purchase_id
        for data, request in sales
        if data.receipt_no is not None
        and (holder := held.get(data.receipt_no)) is not None
        and holder.request_hash is not None
        and request.matches(holder.request_hash)
    }


def _usable_key(key: object) -> str | None:
    """The idempotency key of a refused sale, to echo, if it is one."""
    if not isinstance(key, str):
        return None
    try:
        return check_key(key)
    except ProblemError:
        return None


def _invalid(index: int, invalid: ValidationError) -> InvalidRequest:
    errors = validation_errors(invalid.errors(), prefix=("body", "sales", index))
    return InvalidRequest(f"Sale {index} is invalid: {summarize(errors)}", errors=errors)


def _refused(index: int, key: str | None, refused: ProblemError) -> SaleResult:
    errors = refused.extensions.get("errors") or refused.errors(body=f"body.sales.{index}")
    return SaleResult(
        index=index,
        idempotency_key=key,
        status=refused.status,
        error=SaleProblem(
            type=refused.problem_type,
            title=refused.title,
            status=refused.status,
            detail=refused.detail,
            index=index,
            errors=errors,
        ),
    )

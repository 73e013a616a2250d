"""Use cases of the catalog: categories, products, void and restore, the SKU policy, and
the check of sales' SKUs. They flush, never commit. Prices are in fen, times UTC.

Every write takes the catalog's lock first (``repository.lock_catalog``), reads what it
changes under it, and publishes ``orders.product.changed`` for each product it changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.orders.base import emit
from services.orders.catalog import repository
from services.orders.catalog.domain import (
    CategoryTree,
    KnownProducts,
    ProductState,
    Sale,
    Status,
    is_strict,
    sku_check_of,
    status_of,
)
from services.orders.catalog.errors import ProductNotFound, SkuTaken
from services.orders.catalog.models import Product
from services.orders.catalog.schemas import (
    PolicyIn,
    PolicyOut,
    PriceHistory,
    PriceOut,
    ProductChange,
    ProductCreate,
    ProductOut,
    ProductPage,
)
from shared.db import AsyncSession
from shared.events.orders import ProductChanged
from shared.pagination import PageKey, encode_cursor


def _now() -> datetime:
    return datetime.now(UTC)


async def category_tree(session: AsyncSession) -> CategoryTree:
    """Every category, to walk the tree without further queries."""
    return CategoryTree(category.node() for category in await repository.categories(session))


def product_state(tree: CategoryTree, product: Product) -> ProductState:
    """The product as an admin sets it (its category by code)."""
    return ProductState(
        sku=product.sku,
        name=product.name,
        category=tree.by_id[product.category_id].code,
        list_price_fen=product.list_price_fen,
        status=status_of(product.status),
    )


def _changed(
    tree: CategoryTree, product_id: uuid.UUID, state: ProductState, revision: int, at: datetime
) -> ProductChanged:
    lineage = tree.lineage(tree.by_code[state.category].id)
    return ProductChanged(
        product_id=product_id,
        sku=state.sku,
        name=state.name,
        category=state.category,
        category_ancestors=lineage[:-1],
        list_price_fen=state.list_price_fen,
        status=state.status,
        revision=revision,
        changed_at=at,
    )


def product_out(tree: CategoryTree, product: Product) -> ProductOut:
    """The product as answered: list price in fen, times in UTC."""
    state = product_state(tree, product)
    return ProductOut(
        id=product.id,
        sku=state.sku,
        name=state.name,
        category_code=state.category,
        category_lineage=list(tree.lineage(product.category_id)),
        list_price_fen=state.list_price_fen,
        status=state.status,
        revision=product.revision,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


@dataclass(frozen=True)
class Change:
    """A product as it is (``None``: not in the catalog yet) and as it should be."""

    current: Product | None
    wanted: ProductState


async def save_products(
    session: AsyncSession,
    tree: CategoryTree,
    changes: Sequence[Change],
    *,
    by: str,
    now: datetime,
) -> dict[str, Product]:
    """Writes each change that changes something: the product (a new revision), a price
    history row for a new price, an ``orders.product.changed`` event each.

    The caller holds the catalog's lock, loaded ``current`` in this session and checked
    that the categories exist in ``tree``. Returns the products as they now are, by SKU.
    """
    new: list[Product] = []
    prices: list[dict[str, Any]] = []
    events: list[ProductChanged] = []
    saved: dict[str, Product] = {}
    for change in changes:
        product, wanted = change.current, change.wanted
        changed = None if product is None else product_state(tree, product).changes_to(wanted)
        if product is not None and not changed:
            saved[wanted.sku] = product
            continue
        values: dict[str, Any] = {
            "name": wanted.name,
            "category_id": tree.by_code[wanted.category].id,
            "list_price_fen": wanted.list_price_fen,
            "status": wanted.status,
            "updated_at": now,
        }
        if product is None:
            product = Product(sku=wanted.sku, revision=1, created_at=now, **values)
            new.append(product)
        else:
            product.sqlmodel_update(values | {"revision": product.revision + 1})
        saved[wanted.sku] = product
        if changed is None or "list_price_fen" in changed:
            price = {"list_price_fen": wanted.list_price_fen, "changed_at": now, "changed_by": by}
            prices.append({"product_id": product.id, **price})
        events.append(_changed(tree, product.id, wanted, product.revision, now))
    await repository.add_products(session, new)
    await repository.add_prices(session, prices)
    await emit(session, *events)
    return saved


async def announce_move(
    session: AsyncSession, tree: CategoryTree, category_id: uuid.UUID, now: datetime
) -> None:
    """A new revision and an ``orders.product.changed`` of every product in the subtree of
    a category that moved (their ancestors changed); ``tree`` is the tree after the move."""
    products = await repository.products_in(session, [n.id for n in tree.subtree(category_id)])
    for product in products:
        product.revision += 1
        product.updated_at = now
    await emit(
        session,
        *(
            _changed(tree, p.id, product_state(tree, p), p.revision, now)
            for p in sorted(products, key=lambda p: p.sku)
        ),
    )


async def create_product(session: AsyncSession, data: ProductCreate, *, by: str) -> ProductOut:
    """A new product, its first price (set by ``by``) and its event. Raises ``SkuTaken``
    (409), ``UnknownCategory`` (422)."""
    await repository.lock_catalog(session)
    tree = await category_tree(session)
    tree.named(data.category_code, "category_code")
    for taken in await repository.products_by_sku(session, [data.sku]):
        raise SkuTaken(
            f"SKU {data.sku!r} is in the catalog already as product {taken.id}; change it "
            f"with PATCH /catalog/products/{taken.id}, or restore it if void",
            field="sku",
        )
    wanted = ProductState(data.sku, data.name, data.category_code, data.list_price_fen, data.status)
    saved = await save_products(session, tree, [Change(None, wanted)], by=by, now=_now())
    return product_out(tree, saved[data.sku])


async def _locked_product(
    session: AsyncSession, product_id: uuid.UUID
) -> tuple[CategoryTree, Product]:
    await repository.lock_catalog(session)
    product = await repository.product(session, product_id)
    if product is None:
        raise ProductNotFound(f"No product {product_id}", field="product_id", where="path")
    return await category_tree(session), product


async def change_product(
    session: AsyncSession, product_id: uuid.UUID, data: ProductChange, *, by: str
) -> ProductOut:
    """Sets the fields given; a new list price is kept in the price history with ``by``.
    Nothing changed, nothing written. Raises ``ProductNotFound`` (404),
    ``UnknownCategory`` (422)."""
    tree, product = await _locked_product(session, product_id)
    if data.category_code is not None:
        tree.named(data.category_code, "category_code")
    given = {name: value for name, value in data.model_dump().items() if value is not None}
    if "category_code" in given:
        given["category"] = given.pop("category_code")
    wanted = replace(product_state(tree, product), **given)
    saved = await save_products(session, tree, [Change(product, wanted)], by=by, now=_now())
    return product_out(tree, saved[product.sku])


async def set_status(
    session: AsyncSession, product_id: uuid.UUID, status: Status, *, by: str
) -> ProductOut:
    """Voids (作废) or restores (恢复) a product; already so, nothing is written. Raises
    ``ProductNotFound`` (404)."""
    tree, product = await _locked_product(session, product_id)
    wanted = replace(product_state(tree, product), status=status)
    saved = await save_products(session, tree, [Change(product, wanted)], by=by, now=_now())
    return product_out(tree, saved[product.sku])


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> ProductOut:
    """Raises ``ProductNotFound`` (404)."""
    product = await repository.product(session, product_id)
    if product is None:
        raise ProductNotFound(f"No product {product_id}", field="product_id", where="path")
    return product_out(await category_tree(session), product)


async def list_products(
    session: AsyncSession,
    limit: int,
    after: PageKey | None,
    *,
    text: str | None = None,
    category: str | None = None,
    status: Status | None = None,
) -> ProductPage:
    """Products in the order they were added, ``limit`` at a time; ``text`` matches a
    piece of the SKU or name, ``category`` includes its subtree. Raises
    ``UnknownCategory`` (422) for a category the catalog does not have."""
    tree = await category_tree(session)
    category_ids = None
    if category is not None:
        top = tree.named(category, "category", where="query")
        category_ids = [node.id for node in tree.subtree(top.id)]
    products = await repository.listed_products(
        session,
        limit=limit + 1,
        after=None if after is None else (after.at, after.id),
        text=text,
        category_ids=category_ids,
        status=status,
    )
    page = products[:limit]
    more = len(products) > limit
    return ProductPage(
        items=[product_out(tree, p) for p in page],
        next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more else None,
    )


async def price_history(
    session: AsyncSession, product_id: uuid.UUID, limit: int, before: int | None
) -> PriceHistory:
    """The product's list prices, newest first. Raises ``ProductNotFound`` (404)."""
    if await repository.product(session, product_id) is None:
        raise ProductNotFound(f"No product {product_id}", field="product_id", where="path")
    prices = await repository.price_history(session, product_id, limit + 1, before)
    page = prices[:limit]
    last = page[-1].seq if page else None
    return PriceHistory(
        items=[
            PriceOut(
                list_price_fen=p.list_price_fen, changed_at=p.changed_at, changed_by=p.changed_by
            )
            for p in page
        ],
        next_cursor=str(last) if len(prices) > limit and last is not None else None,
    )


async def get_policy(session: AsyncSession) -> PolicyOut:
    """How sales' SKUs are checked: the setting, and whether that is strictly right now."""
    policy = await repository.policy(session)
    sku_check = sku_check_of(None if policy is None else policy.sku_check)
    return PolicyOut(
        sku_check=sku_check,
        strict=is_strict(sku_check, await repository.has_products(session)),
        updated_at=None if policy is None else policy.updated_at,
        updated_by=None if policy is None else policy.updated_by,
    )


async def set_policy(session: AsyncSession, data: PolicyIn, *, by: str) -> PolicyOut:
    """Sets how sales' SKUs are checked, from the next sale on; ``by`` is kept with it."""
    await repository.set_policy(session, data.sku_check, by, _now())
    return await get_policy(session)


async def find_products(session: AsyncSession, sales: Sequence[Sale]) -> KnownProducts:
    """The catalog's products among the SKUs of ``sales`` and whether sales are checked
    strictly: one query for all of them (a batch's too). ``KnownProducts.categorised``
    then checks each sale."""
    skus = {line.sku for sale in sales for line in sale.lines}
    sku_check, cataloged, by_sku = await repository.for_sales(session, skus)
    return KnownProducts(strict=is_strict(sku_check_of(sku_check), cataloged), by_sku=by_sku)

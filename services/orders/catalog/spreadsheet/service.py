"""Use cases of catalog files: importing a CSV file (or trying it: a dry run) and
exporting the catalog as one. They flush, never commit."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from services.orders.catalog import repository
from services.orders.catalog import service as catalog
from services.orders.catalog.domain import ProductState
from services.orders.catalog.spreadsheet import domain
from services.orders.catalog.spreadsheet.schemas import ImportChange, ImportOut
from shared.db import AsyncSession

_ALL_FIELDS = [field.name for field in fields(ProductState)]


async def import_products(
    session: AsyncSession, data: bytes, *, dry_run: bool, by: str
) -> ImportOut:
    """Creates and changes the products a CSV file lists, all or none; a row that changes
    nothing writes nothing (no price history row, no event). ``dry_run``: only says what
    would change. ``by`` is who imports (price history).

    Raises ``ImportTooLarge`` (413), ``ImportUnreadable`` and ``ImportInvalid`` (422).
    """
    sheet = domain.read_sheet(data)
    if not dry_run:
        await repository.lock_catalog(session)
    tree = await catalog.category_tree(session)
    current = {
        product.sku: product
        for product in await repository.products_by_sku(session, {row.sku for row in sheet.rows})
    }
    plan = domain.plan(
        sheet,
        {sku: catalog.product_state(tree, product) for sku, product in current.items()},
        tree.by_code,
    )
    if not dry_run:
        changes = [catalog.Change(current.get(item.wanted.sku), item.wanted) for item in plan.items]
        await catalog.save_products(session, tree, changes, by=by, now=datetime.now(UTC))
    return ImportOut(
        dry_run=dry_run,
        encoding=sheet.encoding,
        byte_order_mark=sheet.byte_order_mark,
        rows=len(plan.items),
        created=plan.count("created"),
        updated=plan.count("updated"),
        unchanged=plan.count("unchanged"),
        ignored_columns=list(sheet.ignored_columns),
        changes=[
            ImportChange(
                row=item.row,
                sku=item.wanted.sku,
                action="created" if item.changes is None else "updated",
                changed=_ALL_FIELDS if item.changes is None else list(item.changes),
            )
            for item in plan.items
            if item.changes != ()
        ],
    )


async def export_products(session: AsyncSession) -> bytes:
    """Every product, void ones too, as a CSV file (UTF-8 with a byte order mark) whose
    import changes nothing."""
    tree = await catalog.category_tree(session)
    products = await repository.all_products(session)
    return domain.write_sheet(catalog.product_state(tree, product) for product in products)

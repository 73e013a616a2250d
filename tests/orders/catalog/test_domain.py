"""The catalog's pure rules: the category tree, what a change changes, and how a sale's
SKUs are checked."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.catalog.domain import (
    MAX_CATEGORY_DEPTH,
    CategoryNode,
    CategoryTree,
    KnownProducts,
    Listed,
    ProductState,
    is_strict,
    sku_check_of,
)
from services.orders.catalog.errors import (
    CategoryLoop,
    CategoryTooDeep,
    UnknownCategory,
    UnknownSku,
    VoidSku,
)
from services.orders.purchases.schemas import LineIn, PurchaseCreate


def _tree(*pairs: tuple[str, str | None]) -> CategoryTree:
    """Categories as (code, parent code), parents first."""
    ids: dict[str, uuid.UUID] = {}
    nodes = []
    for code, parent in pairs:
        ids[code] = uuid.uuid4()
        nodes.append(CategoryNode(ids[code], code, code, None if parent is None else ids[parent]))
    return CategoryTree(nodes)


TREE = _tree(
    ("health", None),
    ("health-oil", "health"),
    ("health-oil-fish", "health-oil"),
    ("cosmetics", None),
    ("daily", None),
)


def test_a_lineage_runs_from_the_top_category_down() -> None:
    assert TREE.lineage(TREE.by_code["health-oil-fish"].id) == (
        "health",
        "health-oil",
        "health-oil-fish",
    )
    assert TREE.lineage(TREE.by_code["daily"].id) == ("daily",)


def test_a_subtree_holds_the_category_and_everything_below_it() -> None:
    codes = [node.code for node in TREE.subtree(TREE.by_code["health"].id)]
    assert codes == ["health", "health-oil", "health-oil-fish"]
    assert [node.code for node in TREE.in_order()] == [
        "cosmetics",
        "daily",
        "health",
        "health-oil",
        "health-oil-fish",
    ]


def test_a_category_cannot_move_under_itself_or_its_descendants() -> None:
    health = TREE.by_code["health"]
    for parent in ("health", "health-oil-fish"):
        with pytest.raises(CategoryLoop) as refused:
            TREE.check_parent(health, TREE.by_code[parent])
        assert refused.value.field == "parent_code"
    TREE.check_parent(TREE.by_code["health-oil"], TREE.by_code["cosmetics"])
    TREE.check_parent(TREE.by_code["health-oil"], None)


def test_the_tree_has_a_bounded_depth_counting_the_moved_subtree() -> None:
    chain = [("c1", None)] + [(f"c{n}", f"c{n - 1}") for n in range(2, MAX_CATEGORY_DEPTH + 1)]
    tree = _tree(*chain, ("other", None), ("other-child", "other"))
    deepest = tree.by_code[f"c{MAX_CATEGORY_DEPTH}"]
    with pytest.raises(CategoryTooDeep):
        tree.check_parent(None, deepest)
    tree.check_parent(None, tree.by_code[f"c{MAX_CATEGORY_DEPTH - 1}"])
    # "other" and its child are two levels: under c4 they would reach level 6
    with pytest.raises(CategoryTooDeep):
        tree.check_parent(tree.by_code["other"], tree.by_code[f"c{MAX_CATEGORY_DEPTH - 1}"])


def test_an_unknown_category_is_named_with_its_field() -> None:
    with pytest.raises(UnknownCategory) as refused:
        TREE.named("toys", "category", where="query")
    assert refused.value.errors() == [
        {"location": "query.category", "message": refused.value.detail}
    ]


def test_a_change_names_the_fields_it_changes() -> None:
    before = ProductState("HP-1", "鱼油", "health", 25800, "active")
    assert before.changes_to(before) == ()
    after = ProductState("HP-1", "鱼油", "health-oil", 23800, "void")
    assert before.changes_to(after) == ("category", "list_price_fen", "status")


def test_the_stored_setting_reads_as_one_of_three() -> None:
    assert [sku_check_of(v) for v in (None, "auto", "strict", "lenient")] == [
        "auto",
        "auto",
        "strict",
        "lenient",
    ]
    assert not is_strict("auto", catalog_has_products=False)
    assert is_strict("auto", catalog_has_products=True)
    assert is_strict("strict", catalog_has_products=False)
    assert not is_strict("lenient", catalog_has_products=True)


def _sale(*lines: tuple[str, str]) -> PurchaseCreate:
    return PurchaseCreate(
        card_number="8860000000013",
        lines=[
            LineIn(sku=sku, category=category, quantity=1, unit_price_fen=100)
            for sku, category in lines
        ],
    )


CATALOG = {"HP-1": Listed("health-oil", "active"), "OLD-1": Listed("daily", "void")}


def test_a_catalog_product_takes_the_catalogs_category_whatever_the_till_sent() -> None:
    for strict in (True, False):
        known = KnownProducts(strict=strict, by_sku=CATALOG)
        checked = known.categorised(_sale(("HP-1", "保健品")))
        assert [line.category for line in checked.lines] == ["health-oil"]


def test_a_sale_the_catalog_does_not_touch_is_the_same_object() -> None:
    sale = _sale(("HP-1", "health-oil"), ("TILL-ONLY", "misc"))
    assert KnownProducts(strict=False, by_sku=CATALOG).categorised(sale) is sale


def test_strict_refuses_unknown_and_void_skus_naming_every_line() -> None:
    known = KnownProducts(strict=True, by_sku=CATALOG)
    with pytest.raises(UnknownSku) as refused:
        known.categorised(_sale(("HP-1", "x"), ("NOPE", "x"), ("OLD-1", "x")))
    assert refused.value.status == 422
    assert refused.value.field == "lines.1.sku"
    assert refused.value.errors(body="body.sales.4") == [
        {"location": "body.sales.4.lines.1.sku", "message": "SKU 'NOPE' is not in the catalog"},
        {"location": "body.sales.4.lines.2.sku", "message": "SKU 'OLD-1' is void (作废)"},
    ]
    with pytest.raises(VoidSku):
        known.categorised(_sale(("OLD-1", "x")))


def test_lenient_accepts_unknown_skus_with_the_tills_category_and_sells_void_ones() -> None:
    known = KnownProducts(strict=False, by_sku=CATALOG)
    checked = known.categorised(_sale(("NOPE", "misc"), ("OLD-1", "x")))
    assert [(line.sku, line.category) for line in checked.lines] == [
        ("NOPE", "misc"),
        ("OLD-1", "daily"),
    ]


_SKUS = st.sampled_from(["HP-1", "OLD-1", "NOPE", "TILL-2"])


@given(st.lists(_SKUS, min_size=1, max_size=6), st.booleans())
def test_a_sale_is_refused_exactly_when_strict_and_a_line_is_not_an_active_product(
    skus: list[str], strict: bool
) -> None:
    known = KnownProducts(strict=strict, by_sku=CATALOG)
    sale = _sale(*((sku, "till") for sku in skus))
    sellable = [CATALOG.get(sku) is not None and CATALOG[sku].status == "active" for sku in skus]
    if strict and not all(sellable):
        with pytest.raises((UnknownSku, VoidSku)) as refused:
            known.categorised(sale)
        assert refused.value.field == f"lines.{sellable.index(False)}.sku"
        return
    checked = known.categorised(sale)
    assert [line.sku for line in checked.lines] == skus
    for line in checked.lines:
        expected = CATALOG[line.sku].category if line.sku in CATALOG else "till"
        assert line.category == expected

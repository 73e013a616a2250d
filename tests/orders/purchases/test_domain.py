from __future__ import annotations

import uuid

import pytest

from services.orders.purchases import domain
from services.orders.purchases.domain import PricedLine, ReceiptHolder, SoldLine
from services.orders.purchases.errors import ReceiptReused
from services.orders.purchases.schemas import PurchaseCreate
from shared.idempotency import RequestIdentity, fingerprint, identify


def test_a_line_s_amount_is_quantity_times_unit_price() -> None:
    assert [PricedLine(2, 19900).amount_fen, PricedLine(3, 0).amount_fen] == [39800, 0]


def test_returnable_is_what_has_not_come_back_yet() -> None:
    line = SoldLine(1, quantity=5, unit_price_fen=100, returned_quantity=2, sku="S", category="c")
    assert line.returnable == 3


def test_a_store_s_receipt_number_names_one_purchase_id() -> None:
    store, other = uuid.uuid4(), uuid.uuid4()
    named = domain.purchase_id(store, "R-1")
    assert domain.purchase_id(store, "R-1") == named  # every attempt of the sale
    assert named.version == 5
    assert len({named, domain.purchase_id(store, "R-2"), domain.purchase_id(other, "R-1")}) == 3
    # fixed for ever: an id given before an upgrade is given again after it
    first_store = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert domain.purchase_id(first_store, "R-1") == uuid.UUID(
        "8ba1192a-91f1-5c91-a476-9f1359fb3584"
    )


def test_a_sale_without_a_receipt_number_gets_a_random_id() -> None:
    store = uuid.uuid4()
    ids = {domain.purchase_id(store, None) for _ in range(3)}
    assert len(ids) == 3
    assert {found.version for found in ids} == {4}  # never a receipt-named (v5) id


def test_a_receipt_repeated_with_the_same_sale_passes() -> None:
    domain.check_repeat("R-1", ReceiptHolder(uuid.uuid4(), "a" * 64), RequestIdentity("a" * 64))


def test_a_receipt_held_by_a_sale_of_the_previous_release_matches_its_old_fingerprint() -> None:
    """The previous release kept the fingerprint of the body as it validated it (a phone as
    typed, every field named); a retry is the body as sent now."""
    line = {"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}
    sent = {"phone": "138 1234 5678", "lines": [line], "receipt_no": "R-1"}
    validated_then = fingerprint(
        sent | {"member_id": None, "card_number": None, "purchased_at": None}
    )
    holder = ReceiptHolder(uuid.uuid4(), validated_then)

    domain.check_repeat("R-1", holder, identify(sent, PurchaseCreate.model_validate(sent)))


@pytest.mark.parametrize("held", ["b" * 64, None], ids=["another sale", "no fingerprint"])
def test_a_receipt_repeated_with_another_or_an_unknown_sale_is_reused(held: str | None) -> None:
    holder = ReceiptHolder(uuid.uuid4(), held)
    with pytest.raises(ReceiptReused, match=f"purchase {holder.purchase_id}") as refused:
        domain.check_repeat("R-1", holder, RequestIdentity("a" * 64))
    assert refused.value.field == "receipt_no"
    assert refused.value.status == 409

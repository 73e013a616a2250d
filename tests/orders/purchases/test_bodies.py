"""A sale's body as a store might get it wrong, on the single and the batch path: sent as
another media type than JSON (415), JSON that does not parse (422 at ``body``), or a member
named in none or several ways (422 saying which)."""

from __future__ import annotations

import httpx
import pytest

from tests.orders.conftest import StoreKey, is_problem, new_key

SALE = '{"card_number": "8860000000017", "lines": [{"sku": "HC-001", "quantity": 1}]}'
PATHS = {
    "/purchases": SALE,
    "/purchases:batch": '{"sales": [{"idempotency_key": "k1", ' + SALE[1:] + "]}",
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_sale_not_sent_as_json_is_a_415_saying_so(
    client: httpx.AsyncClient, store: StoreKey, path: str, media: str | None
) -> None:
    typed = {} if media is None else {"content-type": media}
    answer = await client.post(path, content=PATHS[path], headers=store.headers | new_key() | typed)
    problem = is_problem(answer, 415)
    assert problem["type"] == "urn:huiyuan:problem:unsupported-media-type"
    assert "Content-Type: application/json" in problem["detail"]


@pytest.mark.parametrize("path", PATHS)
async def test_a_sale_that_is_no_json_is_located_by_line_and_column(
    client: httpx.AsyncClient, store: StoreKey, path: str
) -> None:
    broken = PATHS[path].replace(', "lines"', ',\n"lines"').replace('"quantity": 1', '"quantity" 1')
    answer = await client.post(
        path,
        content=broken,
        headers=store.headers | new_key() | {"content-type": "application/json"},
    )
    (error,) = is_problem(answer, 422)["errors"]
    assert error["location"] == "body"
    assert error["message"].startswith("Not JSON: Expecting ':' delimiter at line 2, column ")


@pytest.mark.parametrize(
    ("reference", "case"),
    [
        ({}, "none was given"),
        ({"card_number": "8860000000017", "phone": "13800138000"}, "card_number and phone were"),
    ],
)
async def test_a_sale_naming_its_member_in_no_or_two_ways_says_which(
    client: httpx.AsyncClient, store: StoreKey, reference: dict[str, str], case: str
) -> None:
    line = {"sku": "HC-001", "category": "health", "quantity": 1, "unit_price_fen": 100}
    sale = {"lines": [line]} | reference
    single = await client.post("/purchases", json=sale, headers=store.headers | new_key())
    batch = await client.post(
        "/purchases:batch",
        json={"sales": [sale | {"idempotency_key": "k1"}]},
        headers=store.headers,
    )
    assert batch.status_code == 200, batch.text
    (result,) = batch.json()["results"]
    for errors, location in (
        (is_problem(single, 422)["errors"], "body"),
        (result["error"]["errors"], "body.sales.0"),
    ):
        (error,) = errors
        assert error["location"] == location
        assert case in error["message"], error["message"]

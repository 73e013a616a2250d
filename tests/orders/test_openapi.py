"""What the orders service's OpenAPI document promises a POS developer."""

from __future__ import annotations

import httpx

from shared.inputs import unbounded_inputs


async def test_every_endpoint_documents_an_example(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    for name in ("StoreCreate", "StoreCreated", "PurchaseCreate", "PurchaseOut", "PurchasePage"):
        assert components[name]["examples"], name
    assert components["ReturnCreate"]["examples"]
    assert components["ReturnOut"]["examples"]
    assert "X-API-Key" in str(schema["components"]["securitySchemes"])


async def test_a_used_receipt_number_is_documented_as_a_409(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    conflict = schema["paths"]["/purchases"]["post"]["responses"]["409"]
    examples = conflict["content"]["application/problem+json"]["examples"]
    assert examples["receipt-reused"]["value"]["type"] == "urn:huiyuan:problem:receipt-reused"
    assert "receipt_no" in schema["paths"]["/purchases"]["post"]["description"]


async def test_every_input_is_bounded(client: httpx.AsyncClient) -> None:
    """Every string has a length and a pattern or format, every integer a range, every list
    a length: a schema-driven fuzzer generates both sides of each bound."""
    schema = (await client.get("/openapi.json")).json()
    assert unbounded_inputs(schema) == []


async def test_the_catalog_documents_its_csv_files_and_their_refusals(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    for name in ("CategoryCreate", "CategoryOut", "ProductCreate", "ProductOut", "ImportOut"):
        assert components[name]["examples"], name
    imported = schema["paths"]["/catalog/products:import"]["post"]
    assert "商品编码" in imported["requestBody"]["content"]["text/csv"]["example"]
    refusals = imported["responses"]["422"]["content"]["application/problem+json"]["examples"]
    assert refusals["invalid_rows"]["value"]["row_errors"][0]["column"] == "价格(元)"
    assert "413" in imported["responses"]
    exported = schema["paths"]["/catalog/products:export"]["get"]["responses"]["200"]
    assert list(exported["content"]) == ["text/csv"]

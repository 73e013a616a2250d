"""What the orders service's OpenAPI document promises a POS developer."""

from __future__ import annotations

import httpx


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

"""``GET /members:export``: every member as CSV, masked unless admin or service staff ask."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from services.customer.imports import exports
from tests.customer.conftest import new_phone
from tests.customer.desk.conftest import problem
from tests.customer.imports.conftest import SERVICE, imported
from tests.stack import staff_headers

MARKETING = staff_headers("marketing")


async def _export(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> list[dict[str, str]]:
    response = await client.get("/members:export", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_exports_every_member_masked_by_default(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    body = f"name,phone,email,birthday\r\n林黛玉,{phone},daiyu@example.com,1995-06-07\r\n"
    await imported(client, body.encode())
    masked = [row for row in await _export(client, MARKETING) if row["name"] == "林黛玉"]
    clear = [
        row for row in await _export(client, SERVICE, unmasked="true") if row["name"] == "林黛玉"
    ]
    mine = [row for row in masked if row["phone"].endswith(phone[-4:])]
    assert len(mine) == 1
    assert mine[0]["phone"] == f"+86 {phone[:3]}****{phone[-4:]}"
    assert mine[0]["email"] == "d****@example.com"
    assert mine[0]["birthday"] == ""
    [row] = [row for row in clear if row["phone"] == f"+86{phone}"]
    assert (row["email"], row["birthday"]) == ("daiyu@example.com", "1995-06-07")
    assert list(row) == list(exports.HEADER)


async def test_pages_through_every_member_in_joining_order(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "name,phone\r\n" + "".join(f"会员{i},{new_phone()}\r\n" for i in range(5))
    await imported(client, body.encode())
    monkeypatch.setattr(exports, "PAGE", 2)
    rows = await _export(client, SERVICE)
    listed: list[str] = []
    cursor: dict[str, str] = {}
    while True:  # every page: other tests' members are in the database too
        page = await client.get("/members", params={"limit": 200, **cursor}, headers=SERVICE)
        listed += [member["id"] for member in page.json()["items"]]
        if not page.json().get("next_cursor"):
            break
        cursor = {"cursor": page.json()["next_cursor"]}
    assert len(rows) >= 5
    assert [row["id"] for row in rows] == listed


async def test_only_admin_and_service_unmask(client: httpx.AsyncClient) -> None:
    refused = await client.get("/members:export", params={"unmasked": "true"}, headers=MARKETING)
    body = problem(refused, 403, "forbidden")
    assert body["errors"][0]["location"] == "query.unmasked"

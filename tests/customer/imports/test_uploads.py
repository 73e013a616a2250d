"""How an import arrives: as a browser's upload form sends it, and retried with an
Idempotency-Key."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from services.customer.imports.models import MemberImport
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.customer.desk.conftest import problem
from tests.customer.imports.conftest import CSV, SERVICE, finished


def _file(*phones: str) -> bytes:
    return ("name,phone\r\n" + "".join(f"会员,{p}\r\n" for p in phones)).encode()


async def _imports(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(MemberImport)) or 0)


async def test_a_form_upload_imports_its_file_part(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    files = {"file": ("会员.csv", _file(phone), "text/csv")}
    response = await client.post("/imports", files=files, headers=SERVICE)
    assert response.status_code == 202, response.text
    job = await finished(client, response.json()["id"])
    assert (job["columns"], job["imported"]) == (["name", "phone"], 1)
    found = await client.get("/members", params={"phone": phone}, headers=SERVICE)
    assert [m["name"] for m in found.json()["items"]] == ["会员"]


async def test_a_form_without_one_file_part_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/imports", data={"csv": "name,phone"}, files={"other": ("x", b"")}, headers=SERVICE
    )
    assert problem(response, 422, "unreadable-csv")["errors"][0]["location"] == "body.file"
    two = [("file", ("a.csv", _file(new_phone()))), ("file", ("b.csv", _file(new_phone())))]
    response = await client.post("/imports", files=two, headers=SERVICE)
    assert problem(response, 422, "unreadable-csv")["errors"][0]["location"] == "body.file"


async def test_a_retried_upload_with_its_key_answers_the_first_import(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    body, key = _file(new_phone()), {"Idempotency-Key": f"import-{new_phone()}"}
    first = await client.post("/imports", content=body, headers=SERVICE | CSV | key)
    assert first.status_code == 202, first.text
    before = await _imports(customer_sessions)
    # the same file again, as a form this time: the same request
    files = {"file": ("members.csv", body, "text/csv")}
    again = await client.post("/imports", files=files, headers=SERVICE | key)
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == f"/imports/{first.json()['id']}"
    assert await _imports(customer_sessions) == before
    other = await client.post("/imports", content=_file(new_phone()), headers=SERVICE | CSV | key)
    problem(other, 422, "idempotency-key-reused")
    dry = await client.post(
        "/imports", content=body, params={"dry_run": True}, headers=SERVICE | CSV | key
    )
    problem(dry, 422, "idempotency-key-reused")

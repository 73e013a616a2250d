"""How an import arrives: as a browser's upload form sends it, and retried with an
Idempotency-Key."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select

from services.customer.imports.models import MemberImport
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.customer.desk.conftest import problem
from tests.customer.imports.conftest import CSV, SERVICE, finished
from tests.stack import staff_headers

ADMIN = staff_headers("admin")


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


async def test_an_upload_is_audited_in_its_own_transaction_without_its_rows(
    client: httpx.AsyncClient,
) -> None:
    """The import opens its transaction itself, so it records itself there: the file's
    phones and names never reach the audit row."""
    phone = new_phone()
    request_id = f"import-{uuid.uuid4().hex}"
    headers = SERVICE | CSV | {"X-Request-ID": request_id}
    response = await client.post("/imports", content=_file(phone), headers=headers)
    assert response.status_code == 202, response.text
    audit = await client.get("/audit", params={"actor": "test-service"}, headers=ADMIN)
    (row,) = [r for r in audit.json()["items"] if r["request_id"] == request_id]
    assert (row["route"], row["status"], row["fields"]) == ("/imports", 202, None)
    assert phone not in str(row)
    refused = await client.post("/imports", content=b"mobile\r\n1\r\n", headers=headers)
    assert refused.status_code == 422
    audit = await client.get("/audit", params={"actor": "test-service"}, headers=ADMIN)
    assert [r["request_id"] for r in audit.json()["items"]].count(request_id) == 1

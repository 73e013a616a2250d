"""CSV import of members: counts, row errors, charsets, dry runs and re-imports."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from services.customer.base import outbox
from services.customer.imports import service
from services.customer.imports.models import DryRunPhone
from services.customer.members.models import Member
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.settings import DEV_PII_KEY
from tests.customer.conftest import new_phone
from tests.customer.desk.conftest import problem
from tests.customer.imports.conftest import SERVICE, finished, imported, upload
from tests.stack import Stack, running, staff_headers

CIPHER = PiiCipher(DEV_PII_KEY)


def _csv(*rows: str) -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode()


async def _registered(sessions: Sessions, phones: list[str]) -> int:
    """How many customer.member.registered events of an import are of members with these
    phones (E.164 given), found by the phones' lookup hashes (events carry no phone)."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(outbox.table)
            .where(
                outbox.table.c.event_type == "customer.member.registered",
                outbox.table.c.envelope["data"]["phone_hash"].astext.in_(
                    [CIPHER.phone_hash(phone) for phone in phones]
                ),
                outbox.table.c.envelope["data"]["source"].astext == "import",
            )
        )
    return int(count or 0)


async def test_imports_valid_rows_reports_row_errors_and_publishes_registrations(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    good, other, bad_email = new_phone(), new_phone(), new_phone()
    body = _csv(
        "phone,name,email,birthday,gender,consent_sms",
        f"{good},韩梅梅,meimei@example.com,1992-03-04,female,true",
        f"+86 {other[:3]}-{other[3:7]}-{other[7:]},Li Lei,,,,",
        "12345,王芳,,,,",
        f"{bad_email},张伟,not-an-email,,,maybe",
        f"{good},韩梅梅,,,,",
    )
    job = await imported(client, body)
    assert job | {"id": None, "created_at": None, "finished_at": None} == {
        "id": None,
        "status": "done",
        "dry_run": False,
        "charset": "utf-8",
        "columns": ["phone", "name", "email", "birthday", "gender", "consent_sms"],
        "rows": 5,
        "processed": 5,
        "imported": 2,
        "skipped": 1,  # the repeated phone of row 6
        "failed": 2,
        "progress": 1.0,
        "created_at": None,
        "finished_at": None,
    }
    errors = await client.get(f"/imports/{job['id']}/errors", headers=SERVICE)
    assert errors.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(errors.text)))
    assert rows[0] == ["row", "column", "reason"]
    assert [(row, column) for row, column, _ in rows[1:]] == [("4", "phone"), ("5", "consent_sms")]
    found = await client.get("/members", params={"phone": good}, headers=SERVICE)
    [member] = found.json()["items"]
    assert member["name"] == "韩梅梅"
    profile = (await client.get(f"/members/{member['id']}", headers=SERVICE)).json()
    assert profile["email"] == "meimei@example.com"
    assert profile["consent"] == {  # an import's members have the channels' own
        "sms": True,
        "email": False,
        "marketing": {"sms": True, "email": False},
    }
    assert profile["birthday"] == "1992-03-04"
    async with customer_sessions() as session:
        stored = await session.get(Member, uuid.UUID(member["id"]))
    assert stored is not None
    assert good not in stored.phone_encrypted  # encrypted at rest
    assert await _registered(customer_sessions, [f"+86{good}", f"+86{other}"]) == 2


async def test_the_same_file_again_changes_nothing(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phones = [new_phone() for _ in range(3)]
    body = _csv("name,phone", *(f"会员{i},{p}" for i, p in enumerate(phones)), "坏,1")
    first = await imported(client, body)
    async with customer_sessions() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
    again = await imported(client, body)
    assert (first["imported"], first["skipped"], first["failed"]) == (3, 0, 1)
    assert (again["imported"], again["skipped"], again["failed"]) == (0, 3, 1)
    async with customer_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == members
    assert await _registered(customer_sessions, [f"+86{p}" for p in phones]) == 3


async def test_a_dry_run_counts_and_writes_nothing(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    job = await imported(client, _csv("name,phone", f"李雷,{phone}", "韩梅梅,x"), dry_run=True)
    assert (job["dry_run"], job["imported"], job["failed"]) == (True, 1, 1)
    found = await client.get("/members", params={"phone": phone}, headers=SERVICE)
    assert found.json()["items"] == []
    assert await _registered(customer_sessions, [f"+86{phone}"]) == 0


async def test_a_dry_run_counts_a_phone_repeated_in_a_later_chunk_once(
    client: httpx.AsyncClient, customer_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 2)
    first, second = new_phone(), new_phone()
    body = _csv("name,phone", f"李雷,{first}", f"韩梅梅,{second}", f"李雷,{first}", f"王芳,{first}")
    job = await imported(client, body, dry_run=True)
    assert (job["imported"], job["skipped"], job["failed"]) == (2, 2, 0)
    async with customer_sessions() as session:
        left = select(func.count()).where(col(DryRunPhone.import_id) == uuid.UUID(job["id"]))
        assert await session.scalar(left) == 0  # forgotten once the dry run is done


async def test_reads_gb18030_and_a_utf8_bom(client: httpx.AsyncClient) -> None:
    phone, other = new_phone(), new_phone()
    gb = f"姓名,phone\r\n欧阳娜娜,{phone}\r\n".replace("姓名", "name").encode("gb18030")
    job = await imported(client, gb)
    assert (job["charset"], job["imported"]) == ("gb18030", 1)
    bom = f"\ufeffname,phone\r\n司马光,{other}\r\n".encode()
    job = await imported(client, bom)
    assert (job["charset"], job["imported"]) == ("utf-8", 1)
    for number, name in ((phone, "欧阳娜娜"), (other, "司马光")):
        found = await client.get("/members", params={"phone": number}, headers=SERVICE)
        assert [m["name"] for m in found.json()["items"]] == [name]


async def test_an_unreadable_file_is_refused_whole(
    client: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    async with customer_sessions() as session:
        before = await session.scalar(select(func.count()).select_from(Member))
    header = problem(
        await upload(client, _csv("name,mobile", "李雷,13812345678")), 422, "unreadable-csv"
    )
    assert header["errors"][0]["location"] == "body.header"
    assert "mobile" in header["detail"]
    missing = problem(await upload(client, _csv("name,email")), 422, "unreadable-csv")
    assert "'phone'" in missing["detail"]
    empty = problem(await upload(client, b""), 422, "unreadable-csv")
    assert empty["errors"][0]["location"] == "body.header"
    gb = f"name,phone\r\n李雷,{new_phone()}\r\n".encode("gb18030")
    wrong = problem(await upload(client, gb, charset="utf-8"), 422, "unreadable-csv")
    assert wrong["errors"][0]["location"] == "query.charset"
    quote = problem(await upload(client, _csv("name,phone", '"李雷,138')), 422, "unreadable-csv")
    assert quote["errors"][0]["location"] == "body.body"
    async with customer_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == before


async def test_only_service_and_admin_staff_import(client: httpx.AsyncClient) -> None:
    body = _csv("name,phone", f"李雷,{new_phone()}")
    response = await client.post("/imports", content=body, headers=staff_headers("marketing"))
    problem(response, 403, "forbidden")
    unknown = await client.get(f"/imports/{uuid.uuid4()}", headers=SERVICE)
    problem(unknown, 404, "import-not-found")


async def test_an_upload_has_a_body_limit_of_its_own(stack: Stack) -> None:
    app = stack.app("customer", max_body_bytes=2048, import_max_bytes=64 * 1024)
    rows = "".join(f"会员{i},{new_phone()}\r\n" for i in range(200))  # about 5 KiB
    async with running(app) as small:
        accepted = await upload(small, f"name,phone\r\n{rows}".encode(), dry_run=True)
        assert accepted.status_code == 202, accepted.text
        assert (await finished(small, accepted.json()["id"]))["imported"] == 200
        registration = {"name": "李" * 90, "phone": new_phone(), "email": "x" * 2000}
        problem(
            await small.post("/members", json=registration, headers=SERVICE),
            413,
            "body-too-large",
        )
        too_big = f"name,phone\r\n{rows * 20}".encode()  # about 90 KiB
        problem(await upload(small, too_big), 413, "body-too-large")


async def test_an_imported_member_is_found_by_name_and_surname_initial(
    client: httpx.AsyncClient,
) -> None:
    # a made-up name (letters only: digits would be read as a phone), only this member's
    name = "欧阳" + "".join(chr(ord("a") + int(h, 16)) for h in uuid.uuid4().hex[:8])
    await imported(client, _csv("name,phone", f"{name},{new_phone()}"))
    by_name = await client.get("/members", params={"q": name[2:]}, headers=SERVICE)
    assert [m["name"] for m in by_name.json()["items"]] == [name]
    by_piece = await client.get("/members", params={"name": "欧阳", "limit": 100}, headers=SERVICE)
    assert name in [m["name"] for m in by_piece.json()["items"]]
    by_initial = await client.get(
        "/members", params={"initial": "O", "name": name[2:]}, headers=SERVICE
    )
    assert [m["name"] for m in by_initial.json()["items"]] == [name]

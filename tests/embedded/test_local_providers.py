"""The local mail catcher and SMS gateway, exercised over real SMTP and HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from fastapi import FastAPI

from huiyuan.embedded.local_providers import (
    MailCatcher,
    create_sms_gateway_app,
    format_inbox,
    read_inbox,
)
from huiyuan.embedded.ports import free_port
from tests import server

LOOPBACK = "127.0.0.1"
API_KEY = "test-sms-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
REPO_ROOT = Path(__file__).resolve().parents[2]


def serving(app: FastAPI) -> AbstractAsyncContextManager[str]:
    return server.serving(app, lifespan="off")


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[MailCatcher]:
    mail = MailCatcher(tmp_path, LOOPBACK, free_port())
    mail.start()
    yield mail
    mail.stop()


def vip_email(html: bool = True) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Huiyuan <noreply@huiyuan.example>"
    message["To"] = "li.lei@example.cn"
    message["Subject"] = "恭喜升级为VIP贵宾"
    message.set_content("尊敬的会员，您已升级为VIP。\n积分 1200")
    if html:
        message.add_alternative("<p>尊敬的会员，您已升级为<b>VIP</b>。</p>", subtype="html")
    return message


async def test_mail_catcher_stores_and_parses_a_chinese_email(
    catcher: MailCatcher, tmp_path: Path
) -> None:
    await aiosmtplib.send(vip_email(), hostname=LOOPBACK, port=catcher.port)

    [email] = read_inbox(tmp_path).emails
    assert email.subject == "恭喜升级为VIP贵宾"
    assert email.mail_from == "noreply@huiyuan.example"
    assert email.rcpt_tos == ["li.lei@example.cn"]
    assert email.text == "尊敬的会员，您已升级为VIP。\n积分 1200\n"
    assert email.html is not None
    assert "<b>VIP</b>" in email.html
    raw = (tmp_path / "mail" / f"{email.id}.eml").read_bytes()
    assert b"Subject: =?utf-8?" in raw
    line = json.loads((tmp_path / "emails.jsonl").read_text(encoding="utf-8"))
    assert line["id"] == email.id
    assert line["received_at"].endswith("+00:00")


async def test_mail_catcher_keeps_every_message_in_order(
    catcher: MailCatcher, tmp_path: Path
) -> None:
    for number in range(3):
        message = vip_email(html=False)
        message.replace_header("Subject", f"第{number}封")
        await aiosmtplib.send(message, hostname=LOOPBACK, port=catcher.port)

    emails = read_inbox(tmp_path).emails
    assert [e.subject for e in emails] == ["第0封", "第1封", "第2封"]
    assert all(e.html is None for e in emails)
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3


async def test_sms_gateway_accepts_an_authorised_message(tmp_path: Path) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        sent = await client.post(
            "/v1/messages", json={"to": "13812345678", "text": "验证码 123456" * 8}, headers=AUTH
        )
        listed = await client.get("/v1/messages", headers=AUTH)

    assert sent.status_code == 200
    body = sent.json()
    assert body["status"] == "accepted"
    assert body["segments"] == 2
    assert body["cost_fen"] == 20
    [stored] = listed.json()
    assert stored["id"] == body["message_id"]
    assert stored["to"] == "13812345678"
    assert stored["sign"] == "Huiyuan"
    assert [s.id for s in read_inbox(tmp_path).sms] == [body["message_id"]]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": API_KEY}]
)
async def test_sms_gateway_refuses_a_missing_or_wrong_key(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        sent = await client.post(
            "/v1/messages", json={"to": "13812345678", "text": "hi"}, headers=headers
        )
        listed = await client.get("/v1/messages", headers=headers)

    assert sent.status_code == 401
    assert sent.json()["error"] == "unauthorized"
    assert listed.status_code == 401
    assert read_inbox(tmp_path).sms == []


@pytest.mark.parametrize(
    "body",
    [
        {"to": "1381234567a", "text": "hi"},
        {"to": "1234", "text": "hi"},
        {"to": "+" + "1" * 21, "text": "hi"},
        {"text": "hi"},
        {"to": "13812345678", "text": ""},
        {"to": "13812345678", "text": "   "},
    ],
)
async def test_sms_gateway_rejects_an_invalid_body(tmp_path: Path, body: dict[str, str]) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        sent = await client.post("/v1/messages", json=body, headers=AUTH)

    assert sent.status_code == 400
    assert sent.json()["error"] == "invalid_request"
    assert read_inbox(tmp_path).sms == []


async def test_sms_gateway_accepts_an_international_number_and_a_sign(tmp_path: Path) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        sent = await client.post(
            "/v1/messages", json={"to": "+85291234567", "text": "hi", "sign": "会员"}, headers=AUTH
        )

    assert sent.status_code == 200
    [stored] = read_inbox(tmp_path).sms
    assert (stored.to, stored.sign) == ("+85291234567", "会员")


async def test_an_idempotency_key_dedups_even_across_restarts(tmp_path: Path) -> None:
    headers = {**AUTH, "Idempotency-Key": "reward-42"}
    message = {"to": "13812345678", "text": "您获得 200 积分"}
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        first = await client.post("/v1/messages", json=message, headers=headers)
        replay = await client.post("/v1/messages", json=message, headers=headers)
        other = await client.post("/v1/messages", json=message, headers=AUTH)

    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        after_restart = await client.post("/v1/messages", json=message, headers=headers)

    message_id = first.json()["message_id"]
    assert replay.json()["message_id"] == message_id
    assert after_restart.status_code == 200
    assert after_restart.json()["message_id"] == message_id
    assert other.json()["message_id"] != message_id
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["idempotency_key"] == "reward-42"


async def test_repeats_are_kept_or_absorbed_and_counted_across_restarts(
    tmp_path: Path,
) -> None:
    """The mail catcher keeps an email whose Message-ID it already has, as an MTA would,
    and counts it; the gateway absorbs a replayed Idempotency-Key and counts it."""
    email = vip_email(html=False)
    email["Message-ID"] = "<n-1@huiyuan.example>"
    other = vip_email(html=False)
    other["Message-ID"] = "<n-2@huiyuan.example>"
    # a restart between the copies: the catcher rebuilds its index from the file
    for sent in ([email], [email, other]):
        mail = MailCatcher(tmp_path, LOOPBACK, free_port())
        mail.start()
        try:
            for each in sent:
                await aiosmtplib.send(each, hostname=LOOPBACK, port=mail.port)
        finally:
            mail.stop()
    headers = {**AUTH, "Idempotency-Key": "n-3"}
    message = {"to": "13812345678", "text": "您获得 200 积分"}
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        for _ in range(3):
            await client.post("/v1/messages", json=message, headers=headers)
        await client.post("/v1/messages", json=message, headers={**AUTH, "Idempotency-Key": "n-4"})
        repeats = (await client.get("/api/repeats")).json()

    first, repeat, _ = read_inbox(tmp_path).emails
    assert (first.message_id, first.repeat_of) == ("<n-1@huiyuan.example>", None)
    assert (repeat.message_id, repeat.repeat_of) == ("<n-1@huiyuan.example>", first.id)
    assert repeats["counts"] == {"emails": 1, "sms": 2}
    assert [e["id"] for e in repeats["emails"]] == [repeat.id]
    assert [s["idempotency_key"] for s in repeats["sms"]] == ["n-3", "n-3"]
    assert len(read_inbox(tmp_path).sms) == 2


async def test_a_line_torn_by_a_kill_loses_nothing_acknowledged(tmp_path: Path) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        await client.post("/v1/messages", json={"to": "13812345678", "text": "一"}, headers=AUTH)
    with (tmp_path / "sms.jsonl").open("ab") as store:
        store.write(b'{"id": "torn", "to"')

    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        sent = await client.post(
            "/v1/messages", json={"to": "13812345678", "text": "二"}, headers=AUTH
        )

    assert sent.status_code == 200
    assert [s.text for s in read_inbox(tmp_path).sms] == ["一", "二"]


async def test_inbox_page_lists_newest_first_and_escapes(
    catcher: MailCatcher, tmp_path: Path
) -> None:
    await aiosmtplib.send(vip_email(), hostname=LOOPBACK, port=catcher.port)
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        for text in ("first <script>", "second"):
            await client.post(
                "/v1/messages", json={"to": "13812345678", "text": text}, headers=AUTH
            )
        page = await client.get("/")
        emails = (await client.get("/api/emails")).json()
        sms = (await client.get("/api/sms")).json()

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "恭喜升级为VIP贵宾" in html
    assert "li.lei@example.cn" in html
    assert "first &lt;script&gt;" in html
    assert "<script>" not in html
    assert html.index("second") < html.index("first &lt;script&gt;")
    assert [e["subject"] for e in emails] == ["恭喜升级为VIP贵宾"]
    assert [s["text"] for s in sms] == ["second", "first <script>"]


async def test_format_inbox_lists_emails_and_sms(catcher: MailCatcher, tmp_path: Path) -> None:
    await aiosmtplib.send(vip_email(), hostname=LOOPBACK, port=catcher.port)
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        await client.post(
            "/v1/messages", json={"to": "13812345678", "text": "积分到账"}, headers=AUTH
        )

    listing = format_inbox(read_inbox(tmp_path))
    assert "Email (1)" in listing
    assert "Subject: 恭喜升级为VIP贵宾" in listing
    assert "    积分 1200" in listing
    assert "SMS (1)" in listing
    assert "to 13812345678  【Huiyuan】积分到账" in listing


def test_read_inbox_of_an_empty_store(tmp_path: Path) -> None:
    inbox = read_inbox(tmp_path / "never-started")
    assert (inbox.emails, inbox.sms) == ([], [])
    assert format_inbox(inbox) == "Email (0)\nSMS (0)\n"


async def _wait_until_serving(
    process: asyncio.subprocess.Process, client: httpx.AsyncClient, timeout: float = 20
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.returncode is None, "local providers exited at start"
        try:
            if (await client.get("/api/sms")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"local providers did not serve {client.base_url} in {timeout}s")


async def test_entry_point_serves_both_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    smtp_port, http_port = free_port(), free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "huiyuan.embedded.local_providers",
        "--store-dir",
        str(tmp_path),
        "--smtp-port",
        str(smtp_port),
        "--http-port",
        str(http_port),
        "--sms-api-key",
        API_KEY,
        "--host",
        LOOPBACK,
        cwd=REPO_ROOT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{http_port}") as client:
            await _wait_until_serving(process, client)
            await aiosmtplib.send(vip_email(), hostname=LOOPBACK, port=smtp_port)
            sent = await client.post(
                "/v1/messages",
                json={"to": "13812345678", "text": "生日快乐，赠您双倍积分"},
                headers=AUTH,
            )
            page = await client.get("/")
        assert sent.status_code == 200
        assert "恭喜升级为VIP贵宾" in page.text
        assert "生日快乐，赠您双倍积分" in page.text

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=5) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sms_gateway_charges_the_signature_the_phone_shows(tmp_path: Path) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        alone = await client.post(
            "/v1/messages", json={"to": "13812345678", "text": "积" * 61}, headers=AUTH
        )
        signed = await client.post(
            "/v1/messages", json={"to": "13812345678", "text": "积" * 62}, headers=AUTH
        )

    # 【Huiyuan】 is 9 characters: 61 + 9 = 70 is one part, 62 + 9 = 71 two
    assert (alone.json()["segments"], alone.json()["cost_fen"]) == (1, 10)
    assert (signed.json()["segments"], signed.json()["cost_fen"]) == (2, 20)

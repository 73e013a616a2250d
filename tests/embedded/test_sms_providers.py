"""The local SMS gateway as two providers: each with its own keys and failure mode, a
status lookup, and signed delivery receipts that are retried until taken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from huiyuan.embedded.sms_gateway import create_sms_gateway_app
from huiyuan.embedded.sms_receipts import Receipts
from tests.embedded.test_local_providers import API_KEY, AUTH, serving
from tests.stack import eventually

SECRETS = {"primary": "whsec_cHJpbWFyeS1zZWNyZXQ=", "fallback": "whsec_ZmFsbGJhY2stc2VjcmV0"}
SMS = {"to": "+8613812345678", "text": "您获得 200 积分"}


def _keyed(key: str) -> dict[str, str]:
    return {**AUTH, "Idempotency-Key": key}


async def test_each_provider_keeps_its_own_keys_and_answers_whether_it_has_a_message(
    tmp_path: Path,
) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url, headers=AUTH) as client,
    ):
        unknown = await client.get("/v1/messages/n-1")
        taken = await client.post("/v1/messages", json=SMS, headers=_keyed("n-1"))
        found = await client.get("/v1/messages/n-1")
        elsewhere = await client.get("/b/v1/messages/n-1")
        fallback = await client.post("/b/v1/messages", json=SMS, headers=_keyed("n-1"))
        listed = await client.get("/b/v1/messages")

    assert unknown.status_code == elsewhere.status_code == 404
    assert found.json() == taken.json()
    assert fallback.json()["message_id"] != taken.json()["message_id"]
    assert [m["provider"] for m in listed.json()] == ["fallback"]


@pytest.mark.parametrize(
    ("mode", "status", "stored"),
    [("refuse", 403, False), ("error_5xx", 500, False), ("timeout", None, False),
     ("accept_then_timeout", None, True)],
)  # fmt: skip
async def test_a_failure_mode_fails_only_its_provider(
    tmp_path: Path, mode: str, status: int | None, stored: bool
) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url, headers=AUTH, timeout=0.5) as client,
    ):
        set_mode = await client.post(
            "/v1/admin/failure-mode", json={"mode": mode, "delay_seconds": 1}
        )
        try:
            failed: httpx.Response | None = await client.post(
                "/v1/messages", json=SMS, headers=_keyed("k")
            )
        except httpx.ReadTimeout:
            failed = None
        lookup = await client.get("/v1/messages/k")
        other = await client.post("/b/v1/messages", json=SMS, headers=_keyed("k"))

    assert set_mode.json()["mode"] == mode
    assert (None if failed is None else failed.status_code) == status
    assert lookup.status_code == (200 if stored else 404)
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"mode": "explode"}, "mode"), ({"mode": "refuse", "rate": 1.5}, "rate")],
)
async def test_an_unknown_failure_mode_is_400_naming_the_field(
    tmp_path: Path, body: dict[str, Any], field: str
) -> None:
    async with (
        serving(create_sms_gateway_app(tmp_path, API_KEY)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        unauthorized = await client.post("/v1/admin/failure-mode", json={"mode": "refuse"})
        invalid = await client.post("/v1/admin/failure-mode", json=body, headers=AUTH)

    assert unauthorized.status_code == 401
    assert invalid.status_code == 400
    assert [f["field"] for f in invalid.json()["fields"]] == [field]


class _Receiver:
    """Takes batches of receipts it can verify with the provider's secret, after failing the
    first."""

    def __init__(self) -> None:
        self.receipts: list[tuple[str, list[dict[str, Any]]]] = []
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        self.calls += 1
        provider, route = request.url.path.rsplit("/", 2)[1:]
        assert route == "batch"
        body = (await request.body()).decode()
        verified = Webhook(SECRETS[provider]).verify(body, dict(request.headers))
        status = 500 if self.calls == 1 else 200
        if status == 200:
            self.receipts.append((provider, verified))
        await Response(b"{}", status_code=status)(scope, receive, send)


async def test_a_receipt_batch_is_signed_with_the_provider_s_secret_and_retried_until_taken(
    tmp_path: Path,
) -> None:
    receiver = _Receiver()
    async with serving(receiver) as receiver_url:  # type: ignore[arg-type]
        receipts = Receipts(
            f"{receiver_url}/receipts", SECRETS, delay_seconds=0, backoff_seconds=0.05
        )
        async with (
            serving(create_sms_gateway_app(tmp_path, API_KEY, receipts)) as url,
            httpx.AsyncClient(base_url=url, headers=AUTH) as client,
        ):
            await client.post(
                "/b/v1/admin/failure-mode", json={"mode": "none", "receipt_status": "failed"}
            )
            taken = await client.post("/b/v1/messages", json=SMS, headers=_keyed("r-1"))
            replay = await client.post("/b/v1/messages", json=SMS, headers=_keyed("r-1"))
            await eventually(lambda: _some(receiver.receipts), timeout=5)
        await receipts.aclose()

    assert replay.json() == taken.json()
    [(provider, [receipt])] = receiver.receipts
    assert provider == "fallback"
    assert (receipt["message_id"], receipt["status"]) == (taken.json()["message_id"], "failed")
    assert receiver.calls == 2
    assert receipt["at"]


async def _some(items: list[Any]) -> bool:
    return bool(items)

"""The local gateway's simulated replies: forwarded over real HTTP to the callback of the
provider that received them, signed per Standard Webhooks with that provider's secret
(checked here with the library, as a receiver would)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from standardwebhooks.webhooks import Webhook

from huiyuan.embedded.ports import free_port
from huiyuan.embedded.sms_gateway import create_sms_gateway_app
from tests.server import serving

API_KEY = "test-sms-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
SECRET = "whsec_dGVzdC1yZXBseS1zZWNyZXQ="
SECRETS = {"primary": SECRET, "fallback": "whsec_dGVzdC1mYWxsYmFjay1zZWNyZXQ="}


def _receiver(received: list[Any]) -> FastAPI:
    app = FastAPI()

    @app.post("/inbound/{provider}")
    async def inbound(provider: str, request: Request) -> dict[str, str]:
        verified = Webhook(SECRETS[provider]).verify(await request.body(), dict(request.headers))
        received.append((provider, verified))
        return {"action": "stored"}

    return app


async def test_a_reply_is_forwarded_signed_and_the_callbacks_answer_returned(
    tmp_path: Path,
) -> None:
    received: list[Any] = []
    async with serving(_receiver(received)) as receiver:
        gateway_app = create_sms_gateway_app(
            tmp_path, API_KEY, replies=(f"{receiver}/inbound", SECRETS)
        )
        async with serving(gateway_app) as url, httpx.AsyncClient(base_url=url) as gateway:
            reply = {"from": "+8613812345678", "text": "退订"}
            answered = await gateway.post("/v1/replies", json=reply, headers=AUTH)
            unauthorised = await gateway.post("/v1/replies", json=reply)
            bad = await gateway.post("/v1/replies", json={"from": "x", "text": "T"}, headers=AUTH)
            to_fallback = await gateway.post("/b/v1/replies", json=reply, headers=AUTH)

    assert answered.status_code == 200, answered.text
    assert answered.json()["callback"] == {"action": "stored"}
    assert to_fallback.status_code == 200, to_fallback.text
    # the refused ones were not forwarded; each provider's went to its own path, its own key
    (provider, payload), (other, _) = received
    assert (provider, other) == ("primary", "fallback")
    assert (payload["from"], payload["text"]) == ("+8613812345678", "退订")
    assert payload["provider_message_id"] == answered.json()["provider_message_id"]
    assert payload["received_at"].endswith("+00:00")
    assert (unauthorised.status_code, bad.status_code) == (401, 400)


async def test_an_unreachable_callback_is_a_502(tmp_path: Path) -> None:
    callback = f"http://127.0.0.1:{free_port()}/inbound"
    gateway_app = create_sms_gateway_app(tmp_path, API_KEY, replies=(callback, SECRETS))
    async with serving(gateway_app) as url, httpx.AsyncClient(base_url=url) as gateway:
        answered = await gateway.post(
            "/v1/replies", json={"from": "+8613812345678", "text": "T"}, headers=AUTH
        )
    assert answered.status_code == 502
    assert answered.json()["error"] == "callback_unreachable"

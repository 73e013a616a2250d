"""Simulated SMS replies: ``POST /v1/replies`` {from, text} under a provider's prefix
stands for a member's phone answering an SMS (回T退订) that provider carried. The gateway
forwards it to the messaging service's inbound webhook of that provider,
``{callback_url}/{provider}``, as a real provider would: a JSON body {from, text,
received_at, provider_message_id}, signed per Standard Webhooks with the provider's
callback secret (the one its delivery receipts are signed with).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from standardwebhooks.webhooks import Webhook

FORWARD_TIMEOUT_SECONDS = 10.0


class ReplyRequest(BaseModel):
    sender: str = Field(alias="from", pattern=r"^\+\d{5,20}$", examples=["+8613812345678"])
    text: str = Field(max_length=1600, examples=["退订"])


def signed_callback(secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers of a callback carrying ``payload``."""
    body = json.dumps(payload, ensure_ascii=False)
    webhook_id = f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, body),
    }
    return body.encode(), headers


def replies_router(callback_url: str, provider: str, secret: str) -> APIRouter:
    """``POST /v1/replies``: forwards the reply, signed with ``secret``, to
    ``{callback_url}/{provider}`` and answers with what the callback answered (its status
    code and JSON body)."""
    router = APIRouter()
    target = f"{callback_url.rstrip('/')}/{provider}"

    @router.post("/v1/replies")
    async def reply(body: ReplyRequest) -> JSONResponse:
        payload = {
            "from": body.sender,
            "text": body.text,
            "received_at": datetime.now(UTC).isoformat(),
            "provider_message_id": f"mo-{uuid.uuid4()}",
        }
        content, headers = signed_callback(secret, payload)
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT_SECONDS) as client:
            try:
                answer = await client.post(target, content=content, headers=headers)
            except httpx.HTTPError as exc:
                return JSONResponse(
                    {"error": "callback_unreachable", "message": repr(exc)}, status_code=502
                )
        return JSONResponse(
            {"provider_message_id": payload["provider_message_id"], "callback": answer.json()},
            status_code=answer.status_code,
        )

    return router

"""A local SMS gateway speaking the HTTP protocol the messaging service's SMS client uses.

``POST /v1/messages`` accepts a message once per ``Idempotency-Key``: a replay gets the
first message's id back and sends nothing, as a real provider would, so at-least-once
delivery from messaging never sends a customer the same SMS twice; each replay it absorbed
is logged (``sms_replays.jsonl``) so a fault run can count them.
"""

from __future__ import annotations

import hmac
import math
import threading
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

from huiyuan.embedded.inbox_view import inbox_router
from huiyuan.embedded.provider_store import (
    SMS_FILE,
    SMS_REPLAYS_FILE,
    ReceivedSms,
    SmsReplay,
    append_record,
    read_sms,
    utc_now_iso,
)

SINGLE_SEGMENT_CHARS = 70
MULTIPART_SEGMENT_CHARS = 67
FEN_PER_SEGMENT = 10


def segment_count(text: str) -> int:
    if len(text) <= SINGLE_SEGMENT_CHARS:
        return 1
    return math.ceil(len(text) / MULTIPART_SEGMENT_CHARS)


class SmsRequest(BaseModel):
    to: str = Field(pattern=r"^\+?\d{5,20}$")
    text: str
    sign: str = "Huiyuan"

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text must not be empty")
        return text


class SmsAccepted(BaseModel):
    message_id: str
    status: str = "accepted"
    segments: int
    cost_fen: int

    @classmethod
    def of(cls, sms: ReceivedSms) -> SmsAccepted:
        segments = segment_count(sms.text)
        return cls(message_id=sms.id, segments=segments, cost_fen=segments * FEN_PER_SEGMENT)


class SmsStore:
    """Appends to ``sms.jsonl``; the idempotency index is rebuilt from it at start."""

    def __init__(self, store_dir: Path) -> None:
        self.path = store_dir / SMS_FILE
        self._replays = store_dir / SMS_REPLAYS_FILE
        self._lock = threading.Lock()
        self._by_key: dict[str, ReceivedSms] = {
            sms.idempotency_key: sms for sms in read_sms(store_dir) if sms.idempotency_key
        }

    def accept(self, request: SmsRequest, idempotency_key: str | None) -> ReceivedSms:
        with self._lock:
            if idempotency_key and idempotency_key in self._by_key:
                first = self._by_key[idempotency_key]
                replay = SmsReplay(utc_now_iso(), idempotency_key, first.id)
                append_record(self._replays, replay.to_record())
                return first
            sms = ReceivedSms(
                id=uuid.uuid4().hex,
                received_at=utc_now_iso(),
                to=request.to,
                text=request.text,
                sign=request.sign,
                idempotency_key=idempotency_key or None,
            )
            append_record(self.path, sms.to_record())
            if idempotency_key:
                self._by_key[idempotency_key] = sms
            return sms


class _Unauthorized(Exception):
    pass


def _error(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


def create_sms_gateway_app(store_dir: Path, api_key: str) -> FastAPI:
    """The gateway plus the inbox page, which also shows the mail catcher's emails."""
    store_dir.mkdir(parents=True, exist_ok=True)
    store = SmsStore(store_dir)
    expected = f"Bearer {api_key}".encode()

    def authorize(authorization: Annotated[str | None, Header()] = None) -> None:
        if authorization is None or not hmac.compare_digest(authorization.encode(), expected):
            raise _Unauthorized

    app = FastAPI(title="Huiyuan local SMS gateway", docs_url=None, redoc_url=None)

    @app.exception_handler(_Unauthorized)
    async def unauthorized(request: Request, exc: _Unauthorized) -> JSONResponse:
        response = _error(401, "unauthorized", "a valid Bearer API key is required")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
            for e in exc.errors()
        ]
        return _error(400, "invalid_request", "the request body is invalid", fields=fields)

    @app.post("/v1/messages", dependencies=[Depends(authorize)])
    def send_message(
        body: SmsRequest,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> SmsAccepted:
        return SmsAccepted.of(store.accept(body, idempotency_key))

    @app.get("/v1/messages", dependencies=[Depends(authorize)])
    def list_messages() -> list[dict[str, Any]]:
        return [sms.to_record() for sms in read_sms(store_dir)]

    app.include_router(inbox_router(store_dir))
    return app

"""A local SMS gateway speaking the HTTP protocol the messaging service's SMS client uses.

``POST /v1/messages`` accepts a message once per ``Idempotency-Key``: a replay gets the
first message's id back and stores nothing, as a real provider would, so at-least-once
delivery from messaging never sends a customer the same SMS twice
(each replay it absorbed is logged in ``sms_replays.jsonl``, so a fault run can count
them); ``GET /v1/messages/{idempotency-key}`` says whether it has one.

It plays two providers (:data:`PROVIDERS`): ``primary`` under ``/v1`` and ``fallback``
under ``/b/v1``, each with its own keys, failure mode (:mod:`.sms_faults`) and delivery
receipts (:mod:`.sms_receipts`); both store into the one inbox, naming the provider.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
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
from huiyuan.embedded.sms_faults import FailureMode, Faults
from huiyuan.embedded.sms_receipts import Receipts
from huiyuan.embedded.sms_replies import replies_router
from shared import sms as sms_length

FEN_PER_SEGMENT = 10
PROVIDERS = {"primary": "", "fallback": "/b"}
"""The providers the gateway plays, by name, and the path prefix of each."""


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
        # the phone receives the signature too, and the carrier charges for it
        segments = sms_length.segments(sms_length.as_received(sms.sign, sms.text))
        return cls(message_id=sms.id, segments=segments, cost_fen=segments * FEN_PER_SEGMENT)


class SmsStore:
    """Appends to ``sms.jsonl``; the idempotency index is rebuilt from it at start."""

    def __init__(self, store_dir: Path) -> None:
        self.path = store_dir / SMS_FILE
        self._replays = store_dir / SMS_REPLAYS_FILE
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], ReceivedSms] = {
            (sms.provider, sms.idempotency_key): sms
            for sms in read_sms(store_dir)
            if sms.idempotency_key
        }

    def find(self, provider: str, idempotency_key: str) -> ReceivedSms | None:
        with self._lock:
            return self._by_key.get((provider, idempotency_key))

    def replayed(self, provider: str, idempotency_key: str) -> ReceivedSms | None:
        """The message ``provider`` already took under the key, the replay logged; ``None``
        for a key it has not seen."""
        with self._lock:
            return self._replay(provider, idempotency_key)

    def _replay(self, provider: str, idempotency_key: str) -> ReceivedSms | None:
        first = self._by_key.get((provider, idempotency_key))
        if first is not None:
            replay = SmsReplay(utc_now_iso(), idempotency_key, first.id)
            append_record(self._replays, replay.to_record())
        return first

    def accept(
        self, provider: str, request: SmsRequest, idempotency_key: str | None
    ) -> tuple[ReceivedSms, bool]:
        """The message stored for the key, and whether it is new."""
        with self._lock:
            if idempotency_key and (first := self._replay(provider, idempotency_key)):
                return first, False
            sms = ReceivedSms(
                id=uuid.uuid4().hex,
                received_at=utc_now_iso(),
                to=request.to,
                text=request.text,
                sign=request.sign,
                idempotency_key=idempotency_key or None,
                provider=provider,
            )
            append_record(self.path, sms.to_record())
            if idempotency_key:
                self._by_key[(provider, idempotency_key)] = sms
            return sms, True


class _Unauthorized(Exception):
    pass


def _error(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


def _provider_router(
    provider: str, store: SmsStore, receipts: Receipts | None, store_dir: Path
) -> APIRouter:
    router = APIRouter()
    faults = Faults()

    @router.post("/v1/messages", response_model=None)
    async def send_message(
        body: SmsRequest,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> SmsAccepted | JSONResponse:
        if idempotency_key and (
            stored := await run_in_threadpool(store.replayed, provider, idempotency_key)
        ):
            return SmsAccepted.of(stored)
        fault, mode = faults.draw(), faults.current
        if fault == "refuse":
            return _error(403, "refused", f"{provider} refuses messages now")
        if fault == "error_5xx":
            return _error(500, "internal_error", f"{provider} failed")
        if fault == "timeout":
            await asyncio.sleep(mode.delay_seconds)
            return _error(504, "timeout", f"{provider} timed out")
        sms, new = await run_in_threadpool(store.accept, provider, body, idempotency_key)
        if new and receipts is not None:
            receipts.add(provider, sms, mode.receipt_status)
        if fault == "accept_then_timeout":
            await asyncio.sleep(mode.delay_seconds)
        return SmsAccepted.of(sms)

    @router.get("/v1/messages/{idempotency_key}", response_model=None)
    def find_message(idempotency_key: str) -> SmsAccepted | JSONResponse:
        stored = store.find(provider, idempotency_key)
        if stored is None:
            return _error(404, "not_found", f"{provider} has no message with that key")
        return SmsAccepted.of(stored)

    @router.get("/v1/messages")
    def list_messages() -> list[dict[str, Any]]:
        return [sms.to_record() for sms in read_sms(store_dir) if sms.provider == provider]

    @router.post("/v1/admin/failure-mode")
    def set_failure_mode(mode: FailureMode) -> FailureMode:
        faults.current = mode
        return mode

    return router


def create_sms_gateway_app(
    store_dir: Path,
    api_key: str,
    receipts: Receipts | None = None,
    replies: tuple[str, Mapping[str, str]] | None = None,
) -> FastAPI:
    """The gateway's providers plus the inbox page, which also shows the mail catcher's
    emails; ``receipts`` says where delivery receipts go (none without); ``replies``
    (the callback's base URL, each provider's Standard Webhooks secret) adds ``POST
    {prefix}/v1/replies`` for each provider it names, forwarding to ``{url}/{provider}``."""
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

    for provider, prefix in PROVIDERS.items():
        app.include_router(
            _provider_router(provider, store, receipts, store_dir),
            prefix=prefix,
            dependencies=[Depends(authorize)],
        )
    app.include_router(inbox_router(store_dir))
    if replies is not None:
        callback_url, secrets = replies
        for provider, secret in secrets.items():
            app.include_router(
                replies_router(callback_url, provider, secret),
                prefix=PROVIDERS[provider],
                dependencies=[Depends(authorize)],
            )
    return app

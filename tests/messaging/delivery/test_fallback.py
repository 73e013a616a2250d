"""An SMS the primary provider refuses, or does not answer, goes through the fallback, and
no message is ever delivered by both."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from shared.db import Sessions
from tests.messaging.conftest import SmtpEndpoint, serving
from tests.messaging.delivery.providers import PRICES, gateway, retried, sent
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running

TEXT = "您的积分已到账"


@pytest.mark.parametrize(
    ("mode", "error"), [("refuse", "403"), ("timeout", "ReadTimeout"), ("error_5xx", "500")]
)
async def test_the_fallback_delivers_once_what_the_primary_did_not_take(
    stack: Stack,
    messaging_sessions: Sessions,
    smtp_server: SmtpEndpoint,
    tmp_path: Path,
    mode: str,
    error: str,
) -> None:
    async with gateway(tmp_path / "sms") as sms:
        await sms.fail("primary", mode, delay_seconds=2)
        row = await insert_notification(
            messaging_sessions, channel="sms", to="+8613912345678", body=TEXT
        )
        app = stack.app("messaging", smtp_port=smtp_server.port, **sms.settings())
        async with running(app):
            done = await eventually(sent(messaging_sessions, row["id"], {"sent"}), timeout=15)

    [taken] = sms.taken(row["id"])
    assert taken.provider == "fallback"
    assert (done.provider, done.provider_message_id, done.attempts) == ("fallback", taken.id, 1)
    assert (done.segments, done.cost_fen) == (1, PRICES["fallback"])


async def test_a_message_the_primary_took_before_timing_out_is_not_sent_again(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    async with gateway(tmp_path / "sms") as sms:
        await sms.fail("primary", "accept_then_timeout", delay_seconds=2)
        row = await insert_notification(
            messaging_sessions, channel="sms", to="+8613912345678", body=TEXT
        )
        app = stack.app("messaging", smtp_port=smtp_server.port, **sms.settings())
        async with running(app):
            done = await eventually(sent(messaging_sessions, row["id"], {"sent"}), timeout=15)

    [taken] = sms.taken(row["id"])
    assert taken.provider == "primary"
    assert (done.provider, done.provider_message_id) == ("primary", taken.id)
    assert done.cost_fen == PRICES["primary"]


async def _silent_provider(scope: Scope, receive: Receive, send: Send) -> None:
    """Holds a message past the client's timeout, and cannot say whether it has one."""
    if scope["method"] == "POST":
        await asyncio.sleep(2)
    await Response(b"{}", status_code=503)(scope, receive, send)


async def test_a_primary_that_cannot_say_whether_it_took_a_message_holds_it_back(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    """It times out, and the question whether it has the message goes unanswered: the
    fallback must not send it; the attempt is retried later."""
    async with gateway(tmp_path / "sms") as sms, serving(_silent_provider) as silent:
        settings = sms.settings(delivery_retry_backoff_seconds=3600)
        settings["sms_providers"][0]["url"] = silent
        row = await insert_notification(
            messaging_sessions, channel="sms", to="+8613912345678", body=TEXT
        )
        app = stack.app("messaging", smtp_port=smtp_server.port, **settings)
        async with running(app):
            held = await eventually(retried(messaging_sessions, row["id"]), timeout=15)

    assert sms.taken(row["id"]) == []
    assert (held.status, held.attempts, held.provider) == ("queued", 1, "primary")
    assert held.error is not None
    assert "did not answer" in held.error
    assert "answered 503 when asked" in held.error


async def test_refused_by_every_provider_for_good_is_a_failure(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    async with gateway(tmp_path / "sms") as sms:
        await sms.fail("primary", "refuse")
        await sms.fail("fallback", "refuse")
        row = await insert_notification(
            messaging_sessions, channel="sms", to="+8613912345678", body=TEXT
        )
        app = stack.app("messaging", smtp_port=smtp_server.port, **sms.settings())
        async with running(app):
            done = await eventually(sent(messaging_sessions, row["id"], {"failed"}), timeout=15)

    assert sms.taken(row["id"]) == []
    assert done.attempts == 1
    assert done.error is not None
    assert "primary answered 403" in done.error
    assert "fallback answered 403" in done.error


class _UnsureFallback:
    """Holds a message past the client's timeout and cannot say whether it has it; once
    ``recovered``, says it has it. Only ``ours`` is held and counted: rows earlier tests
    left queued in the shared database get a 503 at once."""

    def __init__(self, ours: str) -> None:
        self.ours = ours
        self.recovered = False
        self.sends = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope["headers"]).get(b"idempotency-key", b"").decode()
        ours = key == self.ours or scope["path"].endswith(f"/{self.ours}")
        if scope["method"] == "POST" and ours:
            self.sends += 1
            await asyncio.sleep(2)
        if scope["method"] == "GET" and self.recovered and ours:
            body = b'{"message_id": "unsure-1", "status": "accepted", "segments": 1}'
            await Response(body, status_code=200)(scope, receive, send)
            return
        await Response(b"{}", status_code=503)(scope, receive, send)


async def test_a_retry_asks_the_provider_left_unsure_before_any_other_sends(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    """The primary refuses, the fallback times out and cannot say: the retry, with the
    primary healthy again, must not send it there while the fallback may have it."""
    row = await insert_notification(
        messaging_sessions, channel="sms", to="+8613912345678", body=TEXT
    )
    fallback = _UnsureFallback(str(row["id"]))
    async with gateway(tmp_path / "sms") as sms, serving(fallback) as unsure:
        await sms.fail("primary", "refuse")
        settings = sms.settings(delivery_retry_backoff_seconds=1)
        settings["sms_providers"][1]["url"] = unsure
        app = stack.app("messaging", smtp_port=smtp_server.port, **settings)
        async with running(app):
            held = await eventually(retried(messaging_sessions, row["id"]), timeout=15)
            await sms.fail("primary", "none")
            fallback.recovered = True
            done = await eventually(sent(messaging_sessions, row["id"], {"sent"}), timeout=15)

    assert (held.status, held.provider) == ("queued", "fallback")
    assert sms.taken(row["id"]) == []
    assert (done.provider, done.provider_message_id, done.attempts) == ("fallback", "unsure-1", 2)
    assert fallback.sends == 1

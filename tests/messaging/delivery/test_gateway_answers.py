"""Whatever a provider answers, what is recorded fits its column and the statistics: a NUL
or a line break in an error, a message id too long, a cost beyond any integer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from services.messaging.delivery.kinds.sms import MAX_COST_FEN, delivered
from services.messaging.notifications.models import Notification
from shared.db import Sessions
from tests.messaging.conftest import SmtpEndpoint, serving
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running, staff_headers


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ({"message_id": "m-1", "status": "accepted", "segments": 2, "cost_fen": 20}, None),
        ({"message_id": 42, "cost_fen": 10}, {"message_id": "42", "cost_fen": 10}),
        ({"message_id": "m-1", "cost_fen": 2**40}, {"message_id": "m-1"}),
        ({"message_id": "m-1", "cost_fen": MAX_COST_FEN + 1}, {"message_id": "m-1"}),
        ({"message_id": "m-1", "cost_fen": -10, "segments": True}, {"message_id": "m-1"}),
        ({"message_id": "m-1", "cost_fen": 10.5, "segments": "2"}, {"message_id": "m-1"}),
        ({"message_id": "m-1", "status": "x" * 33, "extra": [1] * 10**4}, {"message_id": "m-1"}),
    ],
)
def test_what_is_kept_of_an_answer_is_plausible(
    answer: dict[str, Any], kept: dict[str, Any] | None
) -> None:
    outcome = delivered(answer)
    assert outcome.provider_message_id == str(answer["message_id"])
    assert outcome.response == (kept or answer)


@pytest.mark.parametrize(
    "answer", [[], "m-1", {}, {"message_id": None}, {"message_id": " "}, {"message_id": True}]
)
def test_an_answer_without_a_message_id_is_no_delivery(answer: object) -> None:
    with pytest.raises(ValueError, match=r"message_id|JSON object"):
        delivered(answer)


class _Gateway:
    """An SMS gateway over HTTP that answers each request for ``to`` with the next canned
    answer. Others (rows earlier tests left queued) get a 503 and are not counted, so they
    cannot take this test's answers. Asked whether it has a message, it has none."""

    def __init__(self, to: str, *answers: tuple[int, bytes]) -> None:
        self.to = to
        self.answers = list(answers)
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "GET":
            await Response(b"{}", status_code=404)(scope, receive, send)
            return
        sent = json.loads(await Request(scope, receive).body())
        if not str(sent.get("to", "")).endswith(self.to[-10:]):
            status, body = 503, b"not this test's"
        else:
            self.requests += 1
            status, body = self.answers.pop(0) if self.answers else (503, b"no more")
        await Response(body, status_code=status, media_type="application/json")(
            scope, receive, send
        )


def _phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def _settled(sessions: Sessions, ids: list[uuid.UUID]) -> Callable[[], Awaitable[Any]]:
    async def check() -> dict[uuid.UUID, Notification] | None:
        async with sessions() as session:
            rows = {i: await session.get(Notification, i) for i in ids}
        done = all(row is not None and row.attempts > 0 for row in rows.values())
        return {i: row for i, row in rows.items() if row is not None} if done else None

    return check


async def test_a_nul_or_a_line_break_in_a_gateway_error_is_recorded_on_one_line(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint
) -> None:
    to = _phone()
    gateway = _Gateway(to, (503, b'{"error": "busy\x00\r\nX-Injected: 1"}'))
    row = await insert_notification(messaging_sessions, channel="sms", to=to, body="hi")
    async with serving(gateway) as url:
        app = stack.app(
            "messaging",
            smtp_port=smtp_server.port,
            sms_gateway_url=url,
            delivery_retry_backoff_seconds=3600,
        )
        async with running(app):
            rows = await eventually(_settled(messaging_sessions, [row["id"]]), timeout=15)

    retried = rows[row["id"]]
    assert (retried.status, retried.attempts) == ("queued", 1)
    assert retried.error == 'SMS provider primary answered 503: {"error": "busy X-Injected: 1"}'
    assert gateway.requests == 1  # recorded at once, not rolled back and sent again


async def test_a_cost_beyond_any_integer_is_not_kept_and_the_statistics_still_answer(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint
) -> None:
    long_id = "m" * 300
    to = _phone()
    gateway = _Gateway(to, (200, json.dumps({"message_id": long_id, "cost_fen": 2**70}).encode()))
    row = await insert_notification(messaging_sessions, channel="sms", to=to, body="hi")
    async with serving(gateway) as url:
        app = stack.app("messaging", smtp_port=smtp_server.port, sms_gateway_url=url)
        async with running(app) as client:
            rows = await eventually(_settled(messaging_sessions, [row["id"]]), timeout=15)
            stats: httpx.Response = await client.get(
                "/notifications/stats", headers=staff_headers("analyst")
            )

    sent = rows[row["id"]]
    assert sent.status == "sent"
    assert sent.provider_message_id == "m" * 254 + "…"
    assert sent.provider_response == {"message_id": long_id}
    assert stats.status_code == 200, stats.text

"""A bulk send end to end on the real SMS gateway: the service is stopped mid-broadcast
(its broadcasts' worker and dispatcher cancelled wherever they are) and started again;
every member gets the broadcast's SMS exactly once, spread over the time the rate needs.
The pace is kept where messages are queued (``test_service`` measures it there, to the
batch); at the gateway the bound is generous, since what a stop left queued, or a retry,
goes out with the batch of the moment."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from huiyuan.embedded.provider_store import read_sms
from services.messaging.broadcasts import service
from services.messaging.broadcasts.schemas import BroadcastIn
from shared.db import Sessions, transaction
from shared.inbox import Handlers
from tests.messaging.broadcasts.people import register
from tests.messaging.conftest import SmsEndpoint
from tests.stack import Stack, eventually, running

TEXT = "会员专享活动进行中"
"""From the broadcast template's default zh-CN text."""
RATE = 5


async def test_a_restart_mid_broadcast_sends_each_member_one_sms_at_the_rate(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers, sms_gateway: SmsEndpoint
) -> None:
    members = await register(messaging_sessions, handlers, 10)
    phones = {m.phone for m in members}
    body = BroadcastIn.model_validate(
        {
            "name": "重启测试",
            "audience": {"members": [str(m.id) for m in members]},
            "rate_per_second": RATE,
        }
    )
    async with transaction(messaging_sessions) as session:
        broadcast_id = (await service.create(session, body, "test-marketing")).id
        await service.start(session, broadcast_id)

    def received() -> list[tuple[datetime, str]]:
        return sorted(
            (datetime.fromisoformat(sms.received_at), sms.to)
            for sms in read_sms(sms_gateway.store_dir)
            if sms.to in phones and TEXT in sms.text
        )

    async def some_but_not_all() -> bool:
        return 2 <= len(received()) < len(members)

    settings = {
        "sms_gateway_url": sms_gateway.url,
        "sms_api_key": sms_gateway.api_key,
        # an SMS the stop caught leased goes again after 3 s, not the default minute
        "delivery_timeout_seconds": 1.0,
        "delivery_lease_seconds": 3.0,
    }
    async with running(stack.app("messaging", **settings)):
        await eventually(some_but_not_all, timeout=20, interval=0.02)
    stopped_at = len(received())

    async def all_sent() -> bool:
        return len({to for _, to in received()}) == len(members)

    async with running(stack.app("messaging", **settings)):
        # another test's dispatcher (its providers on closed ports) may lease one of them
        # first: it is retried after a backoff
        await eventually(all_sent, timeout=90)

    got = received()
    assert stopped_at < len(members)
    assert Counter(to for _, to in got) == Counter(dict.fromkeys(phones, 1))
    times = [at for at, _ in got]
    assert times[-1] - times[0] >= timedelta(seconds=(len(members) - 1) / RATE * 0.8)
    for start in times:  # what was queued before the stop goes with the first batch after
        assert sum(start <= t < start + timedelta(seconds=1) for t in times) <= 2 * RATE
    async with messaging_sessions() as session:
        progress = await service.progress(session, broadcast_id)
    assert progress.state == "completed"
    assert progress.recipients.notified == 10

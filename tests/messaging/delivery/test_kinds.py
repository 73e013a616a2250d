from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

from huiyuan.embedded.local_providers import MailCatcher
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.provider_store import read_emails
from services.messaging.config import Settings
from services.messaging.delivery.domain import Message
from services.messaging.delivery.kinds import providers
from services.messaging.delivery.kinds.email import SmtpSender, build_message
from services.messaging.notifications.domain import CHANNELS
from tests.stack import Stack


def _message(notification_id: uuid.UUID, subject: str = "积分", body: str = "正文") -> Message:
    return Message(notification_id, f"m{notification_id.hex[:8]}@example.com", subject, body)


def test_email_carries_the_notification_id_as_message_id() -> None:
    notification_id = uuid.uuid4()
    message = build_message(
        Settings(), Message(notification_id, "lilei@example.com", "您好", "正文")
    )
    assert message["Message-ID"] == f"<{notification_id}@huiyuan.local>"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().strip() == "正文"


async def test_a_batch_of_emails_shares_connections_and_replaces_a_broken_one(
    stack: Stack, tmp_path: Path
) -> None:
    port, store_dir = free_port(), tmp_path / "mail"
    settings = stack.settings("messaging", smtp_port=port, smtp_connections=2)
    assert isinstance(settings, Settings)
    sender = SmtpSender(settings)
    ids = [uuid.uuid4() for _ in range(9)]
    catcher = MailCatcher(store_dir, "127.0.0.1", port)
    catcher.start()
    try:
        async with sender.batch() as connections:
            await asyncio.gather(*(connections.send(_message(i)) for i in ids[:6]))
            assert connections.opened == 2

            catcher.stop()  # drops the idle connections
            catcher = MailCatcher(store_dir, "127.0.0.1", port)
            catcher.start()
            for i in ids[6:]:
                await connections.send(_message(i))
            assert connections.opened == 3
    finally:
        catcher.stop()

    received = Counter(rcpt for e in read_emails(store_dir) for rcpt in e.rcpt_tos)
    assert received == Counter(f"m{i.hex[:8]}@example.com" for i in ids)


async def test_every_channel_has_a_provider() -> None:
    channels = providers(Settings())
    try:
        assert tuple(channels) == CHANNELS
        assert isinstance(channels["email"], SmtpSender)
    finally:
        for provider in channels.values():
            await provider.aclose()

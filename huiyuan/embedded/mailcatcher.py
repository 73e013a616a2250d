"""A real SMTP server that keeps every message it receives instead of delivering it, and
reports a bounce of one to a reserved domain (:mod:`.mail_bounces`) when told where."""

from __future__ import annotations

import logging
import threading
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from huiyuan.embedded.mail_bounces import Bounces
from huiyuan.embedded.provider_store import (
    EMAILS_FILE,
    ReceivedEmail,
    append_record,
    eml_path,
    read_emails,
    utc_now_iso,
    write_durably,
)
from shared.crypto import mask_email

log = logging.getLogger(__name__)


def _part_text(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if not isinstance(part, EmailMessage):
        return None
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else None
    return content.replace("\r\n", "\n") if isinstance(content, str) else None


class MailStore:
    """The aiosmtpd handler: writes the raw message, then its parsed summary. A message
    whose Message-ID it already holds is kept too, marked as a repeat of the first. With
    ``bounces``, a message to a bouncing domain is reported as bounced after it is kept."""

    def __init__(self, store_dir: Path, bounces: Bounces | None = None) -> None:
        self.store_dir = store_dir
        self.bounces = bounces
        self._lock = threading.Lock()
        self._first_by_message_id: dict[str, str] = {}
        for email in read_emails(store_dir):
            if email.message_id:
                self._first_by_message_id.setdefault(email.message_id, email.id)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        email = self.save(envelope.mail_from or "", list(envelope.rcpt_tos), raw)
        if self.bounces is not None:
            self.bounces.report(email.message_id, email.rcpt_tos)
        return "250 Message accepted for delivery"

    def save(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> ReceivedEmail:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        message_id = str(message.get("message-id", "")).strip() or None
        with self._lock:
            email = ReceivedEmail(
                id=uuid.uuid4().hex,
                received_at=utc_now_iso(),
                mail_from=mail_from,
                rcpt_tos=rcpt_tos,
                subject=str(message.get("subject", "")),
                text=_part_text(message, "plain") or "",
                html=_part_text(message, "html"),
                message_id=message_id,
                repeat_of=self._first_by_message_id.get(message_id) if message_id else None,
            )
            if message_id:
                self._first_by_message_id.setdefault(message_id, email.id)
            write_durably(eml_path(self.store_dir, email.id), raw)
            append_record(self.store_dir / EMAILS_FILE, email.to_record())
        log.info("caught email %s to %s", email.id, ", ".join(mask_email(r) for r in rcpt_tos))
        return email


class MailCatcher:
    """Serves SMTP on its own thread and event loop, so callers may be sync or async."""

    def __init__(
        self,
        store_dir: Path,
        host: str = "127.0.0.1",
        port: int = 1025,
        bounces: Bounces | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.bounces = bounces
        self._controller: Controller | None = None

    def start(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        controller = Controller(
            MailStore(self.store_dir, self.bounces),
            hostname=self.host,
            port=self.port,
            enable_SMTPUTF8=True,
        )
        controller.start()
        self._controller = controller
        log.info("mail catcher listening on smtp://%s:%d", self.host, self.port)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

"""Email over SMTP (aiosmtplib), UTF-8; a batch shares a few connections."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import policy as email_policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy
from email.utils import parseaddr

import aiosmtplib

from services.messaging.config import Settings
from services.messaging.delivery.domain import Message
from services.messaging.delivery.errors import DeliveryError
from services.messaging.notifications.domain import Delivered, provider_answer
from services.messaging.optouts import service as optouts
from services.messaging.optouts.domain import list_unsubscribe_headers
from services.messaging.templates.domain import one_line


def message_id(notification_id: uuid.UUID, mail_from: str) -> str:
    """The notification id as Message-ID, so a resend after a crash is recognisable."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "huiyuan.local"
    return f"<{notification_id}@{domain}>"


def notification_of(message_id: str) -> uuid.UUID | None:
    """The notification a :func:`message_id` names (``<id@domain>``); ``None`` for one no
    email of messaging has."""
    local = message_id.removeprefix("<").partition("@")[0]
    try:
        return uuid.UUID(local)
    except ValueError:
        return None


class _UriListHeader(UnstructuredHeader, BaseHeader):
    """A header of <URI>s (RFC 2369 ``List-Unsubscribe``), folded between them and never
    as RFC 2047 encoded words: the default policy would encode a URI longer than a line,
    and mail clients read the URIs raw."""

    def fold(self, *, policy: Policy) -> str:
        uris = re.split(r",\s*(?=<)", str(self))
        return f"{self.name}: " + f",{policy.linesep} ".join(uris) + policy.linesep


def _policy() -> EmailPolicy[EmailMessage]:
    headers = HeaderRegistry()
    headers.map_to_type("list-unsubscribe", _UriListHeader)
    return email_policy.default.clone(header_factory=headers)


_POLICY = _policy()


def build_message(settings: Settings, message: Message) -> EmailMessage:
    """The email of ``message``. Its subject goes out as one line even if it was stored
    with a line break (as the previous release could): a header cannot be split.

    Every email to a member offers one-click unsubscribe from marketing email
    (``List-Unsubscribe`` with the signed link and a mailto, ``List-Unsubscribe-Post``,
    RFC 8058): required on marketing mail by the large mailbox providers, and harmless on
    the rest, whose service messages keep coming after it."""
    email = EmailMessage(policy=_POLICY)
    email["From"] = settings.mail_from
    email["To"] = Address(addr_spec=message.to)
    email["Subject"] = one_line(message.subject or "")
    email["Message-ID"] = message_id(message.notification_id, settings.mail_from)
    if message.member_id is not None:
        key = settings.unsubscribe_key.get_secret_value().encode()
        token = optouts.unsubscribe_token(key, message.member_id, "email")
        headers = list_unsubscribe_headers(
            settings.unsubscribe_url, settings.unsubscribe_mailto, token
        )
        for name, value in headers.items():
            email[name] = value
    email.set_content(message.body, charset="utf-8")
    return email


class SmtpSender:
    """The email provider: a batch of messages shares a few SMTP connections."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[SmtpConnections]:
        """Connections for one batch of messages, closed when the batch is done."""
        connections = SmtpConnections(self._settings)
        try:
            yield connections
        finally:
            await connections.aclose()

    async def aclose(self) -> None:
        """Nothing outlives a batch."""


class SmtpConnections:
    """Up to ``smtp_connections`` SMTP connections, each carrying one message after another.

    A connection that broke is closed and the next message opens a new one. When an idle
    connection turns out to be gone (the server closed it, or answers 421), the message is
    tried once more on a new connection instead of counting a failed attempt; a repeat at
    the server is no likelier than with the dispatcher's own retry, which would send it
    again anyway.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.smtp_connections)
        self._idle: list[aiosmtplib.SMTP] = []
        self.opened = 0

    async def send(self, message: Message) -> Delivered:
        email = build_message(self._settings, message)
        async with self._slots:
            if self._idle:
                smtp = self._idle.pop()
                try:
                    return await self._send_on(smtp, email)
                except _ConnectionGone:
                    pass
            smtp = await self._connect()
            try:
                return await self._send_on(smtp, email)
            except _ConnectionGone as gone:
                raise _delivery_error(gone.cause) from gone.cause

    async def aclose(self) -> None:
        """Says goodbye on each idle connection and closes it; a cancellation meanwhile
        (a round cut at its time bound) still closes them all."""
        idle, self._idle = self._idle, []
        try:
            for smtp in idle:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await smtp.quit()
                smtp.close()
        finally:
            for smtp in idle:
                smtp.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self._settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            timeout=settings.delivery_timeout_seconds,
        )
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise _delivery_error(exc) from exc
        self.opened += 1
        return smtp

    async def _send_on(self, smtp: aiosmtplib.SMTP, email: EmailMessage) -> Delivered:
        """Send on ``smtp``, which goes back to the idle list if it is still usable."""
        try:
            _, reply = await smtp.send_message(email)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            self._keep_or_close(smtp)
            raise _delivery_error(exc) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == SERVICE_CLOSING:
                smtp.close()
                raise _ConnectionGone(exc) from exc
            self._keep_or_close(smtp)
            raise _delivery_error(exc) from exc
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError) as exc:
            smtp.close()
            raise _ConnectionGone(exc) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise _delivery_error(exc) from exc
        except BaseException:
            smtp.close()
            raise
        self._keep_or_close(smtp)
        return Delivered(str(email["Message-ID"]), {"reply": provider_answer(reply, 500)})

    def _keep_or_close(self, smtp: aiosmtplib.SMTP) -> None:
        if smtp.is_connected:
            self._idle.append(smtp)
        else:
            smtp.close()


SERVICE_CLOSING = 421


class _ConnectionGone(Exception):
    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _delivery_error(exc: Exception) -> DeliveryError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        return DeliveryError(
            f"SMTP refused the recipient ({codes})", permanent=all(c >= 500 for c in codes)
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryError(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500)
    return DeliveryError(f"SMTP unreachable: {exc!r}", permanent=False)

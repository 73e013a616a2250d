"""Email over SMTP (aiosmtplib), UTF-8, one connection per message."""

from __future__ import annotations

import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from services.messaging.config import Settings
from services.messaging.providers import Delivery, DeliveryError


def message_id(notification_id: uuid.UUID, mail_from: str) -> str:
    """The notification id as Message-ID, so a resend after a crash is recognisable."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "huiyuan.local"
    return f"<{notification_id}@{domain}>"


def build_message(
    settings: Settings, notification_id: uuid.UUID, to: str, subject: str, body: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Message-ID"] = message_id(notification_id, settings.mail_from)
    message.set_content(body, charset="utf-8")
    return message


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, notification_id: uuid.UUID, to: str, subject: str, body: str) -> Delivery:
        settings = self._settings
        message = build_message(settings, notification_id, to, subject, body)
        try:
            _, reply = await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=(
                    settings.smtp_password.get_secret_value() if settings.smtp_password else None
                ),
                start_tls=settings.smtp_starttls,
                timeout=settings.delivery_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            raise DeliveryError(
                f"SMTP refused the recipient ({codes})", permanent=all(c >= 500 for c in codes)
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP unreachable: {exc!r}", permanent=False) from exc
        return Delivery(str(message["Message-ID"]), {"reply": reply})

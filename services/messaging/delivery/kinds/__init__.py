"""The delivery channels: one provider each, behind one registry (:func:`providers`)."""

from __future__ import annotations

from services.messaging.config import Settings
from services.messaging.delivery.domain import Provider
from services.messaging.delivery.kinds.email import SmtpSender
from services.messaging.delivery.kinds.sms import SmsGateway
from shared.events.messaging import Channel


def providers(settings: Settings) -> dict[Channel, Provider]:
    """A provider for every channel, configured by ``settings``."""
    return {"email": SmtpSender(settings), "sms": SmsGateway(settings)}

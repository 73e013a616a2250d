"""Named problems of provider callbacks."""

from __future__ import annotations

from shared.errors import Unauthorized


class CallbackNotSigned(Unauthorized):
    """A callback of an SMS provider (a delivery receipt, an inbound reply) or of the email
    provider (a bounce) is not signed per Standard Webhooks (``webhook-id``,
    ``webhook-timestamp`` within 5 minutes, ``webhook-signature``) with the provider's
    secret (``receipt_secret``, ``email_bounce_secret``), or names no provider of
    ``sms_providers`` (no email provider but ``smtp``)."""

    title = "Callback not signed by the provider"
    slug = "callback-not-signed"

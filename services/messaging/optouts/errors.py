"""Named problems of opt-outs."""

from __future__ import annotations

from shared.errors import NotFound, Unauthorized


class UnsubscribeLinkInvalid(NotFound):
    """The unsubscribe link's token is malformed or not signed by this brand (a link
    copied wrong, or forged)."""

    title = "Unsubscribe link not valid"
    slug = "unsubscribe-link-invalid"


class WebhookSignatureInvalid(Unauthorized):
    """A callback from the SMS provider is not signed with its secret per Standard Webhooks
    (``webhook-id``, ``webhook-timestamp`` within 5 minutes, ``webhook-signature``)."""

    title = "Webhook signature not valid"
    slug = "webhook-signature-invalid"

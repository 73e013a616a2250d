"""Named problems of the webhooks API."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class SubscriptionNotFound(NotFound):
    """No webhook subscription has the id in the path (or it was deleted)."""

    title = "Webhook subscription not found"
    slug = "webhook-subscription-not-found"


class DeliveryNotFound(NotFound):
    """The subscription has no delivery with the id in the path."""

    title = "Webhook delivery not found"
    slug = "webhook-delivery-not-found"


class WebhookUrlRefused(Unprocessable):
    """The subscription's `url` cannot receive webhooks: not http(s), carrying a user or
    password, or (in production) not https or naming a local or private host."""

    title = "Webhook URL refused"
    slug = "webhook-url-refused"


class SubscriptionInactive(Conflict):
    """A delivery of an inactive subscription cannot be replayed: activate it first
    (`PATCH` with `active: true`)."""

    title = "Webhook subscription inactive"
    slug = "webhook-subscription-inactive"

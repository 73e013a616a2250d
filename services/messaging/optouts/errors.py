"""Named problems of opt-outs."""

from __future__ import annotations

from shared.errors import NotFound


class UnsubscribeLinkInvalid(NotFound):
    """The unsubscribe link's token is malformed or not signed by this brand (a link
    copied wrong, or forged)."""

    title = "Unsubscribe link not valid"
    slug = "unsubscribe-link-invalid"

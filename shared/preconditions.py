"""Conditional requests (RFC 9110 13.1): the strong ``ETag`` of a resource that counts its
versions, and the ``If-Match`` header naming the version an edit was made from, so that an
edit made from a stale read is refused (412) instead of silently undoing someone else's.
Edge plumbing only: which resources are versioned, and whether ``If-Match`` is required,
is each capability's to say (customer's profiles require it, messaging's templates take it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

ENTITY_TAGS = r'^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)$'
"""``*`` or a comma-separated list of entity tags (RFC 9110 8.8.3)."""

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        pattern=ENTITY_TAGS,
        examples=['"3"'],
        description="The `ETag` of the version the edit was made from",
    ),
]
"""An optional ``If-Match`` request header, checked for its syntax (else 422)."""


def etag(version: int) -> str:
    """The strong ``ETag`` of a resource at ``version``: ``"3"``."""
    return f'"{version}"'


def matching_version(if_match: str, version: int) -> bool:
    """Whether an ``If-Match`` header (one or more comma-separated entity tags) names
    ``version``. Tags compare strongly (RFC 9110 13.1.1): a weak ``W/"3"`` never matches."""
    return etag(version) in (tag.strip() for tag in if_match.split(","))

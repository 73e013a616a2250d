"""Pure rules of message texts: which templates and languages exist, and their shape."""

from __future__ import annotations

from typing import Literal, get_args

from services.messaging.templates.errors import TemplateError
from shared.events.customer import Locale

Template = Literal["welcome", "points_earned", "tier_upgrade"]
TEMPLATES: tuple[Template, ...] = get_args(Template)
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "zh-CN"

SUBJECT_PREFIX = "Subject:"


def pick_locale(locale: str) -> Locale:
    """The member's language if we have templates for it, else the brand's default."""
    for known in LOCALES:
        if known == locale:
            return known
    return DEFAULT_LOCALE


def format_points(value: object) -> str:
    """Points are integers, shown with thousands separators: 12,800."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"points must be an integer, got {value!r}")
    return f"{value:,}"


def email_parts(text: str, path: str) -> tuple[str, str]:
    """``(subject, body)`` of a rendered email template: its first line says
    ``Subject: ...``, the rest is the body."""
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise TemplateError(f"{path} must start with a 'Subject:' line")
    return first.removeprefix(SUBJECT_PREFIX).strip(), rest.strip() + "\n"

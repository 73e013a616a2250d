"""Pure rules of message texts: which templates and languages exist, and what may reach a
mail header or an SMS.

No line break may reach an email's ``Subject`` header or an SMS: a variable's value is
made one line before it is interpolated (:func:`one_line`, whatever the upstream service
checked), an email's subject is the first line of its rendered template, and an SMS must
render as one line or the template is broken (:class:`TemplateError`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal, get_args

from services.messaging.templates.errors import TemplateError
from shared.events.customer import Locale
from shared.inputs import SingleLine

Template = Literal[
    "welcome",
    "points_earned",
    "points_digest",
    "points_expiring",
    "points_expired",
    "tier_upgrade",
    "tier_downgrade",
    "tier_manual",
    "reward_ordered",
    "reward_fulfilled",
    "reward_cancelled",
    "ticket_survey",
]
TEMPLATES: tuple[Template, ...] = get_args(Template)
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "zh-CN"

SUBJECT_PREFIX = "Subject:"
MAX_SUBJECT_LENGTH = 255
"""Characters of a subject: the length of ``notifications.subject``."""

# what a one-line text field refuses: line breaks, tabs, control, bidirectional control
# and invisible formatting characters (shared.inputs.text)
_NOT_ONE_LINE = re.compile(f"(?:{SingleLine.refused_regex.pattern})+")


def pick_locale(locale: str) -> Locale:
    """The member's language if we have templates for it, else the brand's default."""
    for known in LOCALES:
        if known == locale:
            return known
    return DEFAULT_LOCALE


def one_line(text: str) -> str:
    """``text`` with each run of characters a one-line field refuses (line breaks, tabs,
    control, bidirectional control and invisible formatting characters) replaced by one
    space, then trimmed: ``"Gold\\r\\nBcc: x"`` becomes ``"Gold Bcc: x"``."""
    return _NOT_ONE_LINE.sub(" ", text).strip()


def interpolated(value: Any) -> Any:
    """What a template prints for ``{{ value }}``: text as one line, anything else as is."""
    return one_line(value) if isinstance(value, str) else value


def fit(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis if it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_points(value: object) -> str:
    """Points are integers, shown with thousands separators: 12,800."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"points must be an integer, got {value!r}")
    return f"{value:,}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""English month abbreviations, whatever the process's C locale says."""


def format_day(value: object, locale: Locale) -> str:
    """A day as the member's language writes it: 2026年12月31日, 31 Dec 2026. An instant
    (a datetime) is refused: its day depends on a timezone the caller must apply."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"a day must be a date, got {value!r}")
    if locale == "en":
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def email_parts(text: str, path: str) -> tuple[str, str]:
    """``(subject, body)`` of a rendered email template: its first line says
    ``Subject: ...``, the rest is the body. The subject is one line and fits its column."""
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise TemplateError(f"{path} must start with a 'Subject:' line")
    subject = one_line(first.removeprefix(SUBJECT_PREFIX))
    return fit(subject, MAX_SUBJECT_LENGTH), rest.strip() + "\n"


def sms_text(text: str, path: str) -> str:
    """The rendered SMS, which must be one line (its variables already are)."""
    text = text.strip()
    if found := SingleLine.refused_regex.search(text):
        raise TemplateError(
            f"{path} must render as one line, found U+{ord(found.group()):04X} "
            f"at character {found.start() + 1}"
        )
    return text

"""Rendering: the template of a language and channel, filled in the Jinja2 sandbox.

An email template starts with a ``Subject: ...`` line and a blank line before its body.
Rendering is strict: a variable missing from the context raises instead of printing
nothing, so a broken template fails in tests and in the consumer, never in an inbox.
Every ``{{ ... }}`` prints one line (:func:`domain.interpolated`), so a member's name or a
tier name with a line break cannot break a mail header or an SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Undefined, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from services.messaging.templates import domain
from services.messaging.templates.domain import Template
from shared.events.messaging import Channel

MESSAGES_DIR = Path(__file__).parent / "messages"


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    """One line, for an email; ``None`` for an SMS."""
    body: str


def _points(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    return domain.format_points(value)


@pass_context
def _day(context: Context, value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)
    return domain.format_day(value, context["locale"])


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(MESSAGES_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=domain.interpolated,
    )
    environment.filters["points"] = _points
    environment.filters["day"] = _day
    return environment


def template_path(template: Template, locale: str, channel: Channel) -> str:
    return f"{domain.pick_locale(locale)}/{template}.{channel}.txt"


def render(
    template: Template, locale: str, channel: Channel, context: Mapping[str, Any]
) -> Rendered:
    """The message ``template`` in ``locale`` (the default language if it has none) for
    ``channel``; the template sees the language it is written in as ``locale`` (days are
    written in it: ``{{ day|day }}``). Raises ``jinja2.UndefinedError`` for a missing variable and
    :class:`~services.messaging.templates.errors.TemplateError` for a broken template."""
    path = template_path(template, locale, channel)
    written_in = domain.pick_locale(locale)
    text = _environment().get_template(path).render({**context, "locale": written_in})
    if channel != "email":
        return Rendered(subject=None, body=domain.sms_text(text, path))
    subject, body = domain.email_parts(text, path)
    return Rendered(subject=subject, body=body)

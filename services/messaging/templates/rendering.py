"""Rendering: the published text of a template in a language and channel, filled in the
Jinja2 sandbox; and what each template is given (the catalog).

A template's text is the version staff published (:class:`Published`, read by
``service.published``), else the code's default under
``messages/<locale>/<template>.<channel>.txt`` (version 0). An email template starts with
a ``Subject: ...`` line and a blank line before its body. Rendering is strict: a variable
missing from the context raises instead of printing nothing, so a broken default fails in
tests, never in an inbox; a staff version that fails on a member's values is logged and
the default is sent instead. Every ``{{ ... }}`` prints one line
(:func:`domain.interpolated`), so a member's name or a tier name with a line break cannot
break a mail header or an SMS. Compiled staff texts are cached by their text.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import FileSystemLoader, StrictUndefined, Undefined, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from services.messaging.templates import domain
from services.messaging.templates.domain import Template
from shared.events.customer import Locale
from shared.events.messaging import Channel

log = logging.getLogger(__name__)

Key = tuple[Template, Channel, Locale]
"""(template, channel, language)."""
CHANNELS: tuple[Channel, ...] = ("sms", "email")

MESSAGES_DIR = Path(__file__).parent / "messages"
CATALOG_FILE = MESSAGES_DIR / "catalog.toml"
NAME = domain.Variable("name", "The member's name, as they gave it", "李雷")
"""Every template is given the member's name."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    """One line, for an email; ``None`` for an SMS."""
    body: str


@dataclass(frozen=True)
class Published:
    """The staff versions in force, per (template, channel, language): the version and
    its text (``None``: the default, restored by a revert). A key without one is at its
    default, version 0."""

    generation: int
    versions: Mapping[Key, tuple[int, str | None]] = field(default_factory=dict)

    def text(self, key: Key) -> str | None:
        return self.versions.get(key, (0, None))[1]


DEFAULTS = Published(generation=0)
"""No staff version anywhere: the code's texts."""


def _points(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    return domain.format_points(value)


def _yuan(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    return domain.format_yuan(value)


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
        auto_reload=False,  # the defaults change with a release, not while it runs
    )
    environment.filters["points"] = _points
    environment.filters["yuan"] = _yuan
    environment.filters["day"] = _day
    return environment


@lru_cache(maxsize=512)
def compiled(text: str) -> jinja2.Template:
    """A staff text, compiled once per process (raises ``jinja2.TemplateSyntaxError``)."""
    return _environment().from_string(text)


def parse(text: str) -> Any:
    """The syntax tree of a text (raises ``jinja2.TemplateSyntaxError``)."""
    return _environment().parse(text)


@lru_cache(maxsize=1)
def catalog() -> dict[Template, domain.Entry]:
    """What each template is given (``messages/catalog.toml``): its variables, what they
    mean and the sample values a preview renders with; ``name`` first in each."""
    with CATALOG_FILE.open("rb") as file:
        entries = tomllib.load(file)
    return {
        template: domain.Entry.of(template, entries[template], NAME)
        for template in domain.TEMPLATES
    }


def template_path(template: Template, locale: str, channel: Channel) -> str:
    return f"{domain.pick_locale(locale)}/{template}.{channel}.txt"


def default_text(template: Template, channel: Channel, locale: Locale) -> str:
    """The code's text of a template (version 0)."""
    path = template_path(template, locale, channel)
    return (MESSAGES_DIR / path).read_text(encoding="utf-8").rstrip("\n")


def render(
    template: Template,
    locale: str,
    channel: Channel,
    context: Mapping[str, Any],
    *,
    marketing: bool,
    texts: Published = DEFAULTS,
) -> Rendered:
    """The message ``template`` in ``locale`` (the default language if it has none) for
    ``channel``, from its published text in ``texts``; the template sees the language it
    is written in as ``locale`` (days are written in it: ``{{ day|day }}``). An SMS of a
    marketing template ends with the opt-out instruction (:func:`domain.sms_text`).

    Raises ``jinja2.UndefinedError`` for a variable missing from ``context`` and
    :class:`~services.messaging.templates.errors.TemplateError` for a broken default; a
    staff version that fails is logged and the default rendered instead."""
    written_in = domain.pick_locale(locale)
    text = texts.text((template, channel, written_in))
    if text is not None:
        try:
            return render_text(
                compiled(text), template, written_in, channel, context, marketing=marketing
            )
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            log.warning(
                "staff version of %s/%s/%s failed, sending the default: %s",
                template,
                channel,
                written_in,
                exc,
            )
    source = _environment().get_template(template_path(template, written_in, channel))
    return render_text(source, template, written_in, channel, context, marketing=marketing)


def render_text(
    source: jinja2.Template,
    template: Template,
    locale: Locale,
    channel: Channel,
    context: Mapping[str, Any],
    *,
    marketing: bool,
) -> Rendered:
    """``source`` rendered as ``template`` in ``locale`` for ``channel``."""
    path = f"{locale}/{template}.{channel}"
    text = source.render({**context, "locale": locale})
    if channel != "email":
        return Rendered(None, domain.sms_text(text, path, marketing=marketing, locale=locale))
    subject, body = domain.email_parts(text, path)
    return Rendered(subject=subject, body=body)

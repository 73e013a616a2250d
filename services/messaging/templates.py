"""Message templates: ``templates/<locale>/<template>.<channel>.txt``, rendered sandboxed.

An email template starts with a ``Subject: ...`` line and a blank line before its body.
Rendering is strict: a variable missing from the context raises instead of printing
nothing, so a broken template fails in tests and in the consumer, never in an inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Undefined
from jinja2.sandbox import SandboxedEnvironment

from services.messaging.domain import Template, pick_locale
from shared.events.messaging import Channel

TEMPLATES_DIR = Path(__file__).parent / "templates"
SUBJECT_PREFIX = "Subject:"


class TemplateError(ValueError):
    """A template file is missing or malformed."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


def _points(value: Any) -> str:
    """Points are integers, shown with thousands separators: 12,800."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"points must be an integer, got {value!r}")
    return f"{value:,}"


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    environment.filters["points"] = _points
    return environment


def template_path(template: Template, locale: str, channel: Channel) -> str:
    return f"{pick_locale(locale)}/{template}.{channel}.txt"


def render(
    template: Template, locale: str, channel: Channel, context: Mapping[str, Any]
) -> Rendered:
    text = _environment().get_template(template_path(template, locale, channel)).render(context)
    if channel != "email":
        return Rendered(subject=None, body=text.strip())
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise TemplateError(
            f"{template_path(template, locale, channel)} must start with a 'Subject:' line"
        )
    return Rendered(subject=first.removeprefix(SUBJECT_PREFIX).strip(), body=rest.strip() + "\n")

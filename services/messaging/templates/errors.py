"""What can be wrong with a template: a bug in the package's texts (found by its tests), or
a staff version the API refuses."""

from __future__ import annotations

from typing import ClassVar

from shared.errors import NotFound, ProblemError, Unprocessable


class TemplateError(ValueError):
    """A template file is missing, malformed, or renders a line break where none may be
    (an email's subject, an SMS)."""


class TemplateRefused(Unprocessable):
    """`PUT /templates/{key}/{channel}/{locale}` or its preview was sent a text that is not
    a template of that key and channel: a Jinja2 syntax error, a variable the template is
    not given or a filter it may not use (the detail names it and its line), an SMS on more
    than one line, an email without its `Subject:` line, or a text that fails to render
    with the template's sample values. A preview's `variables` that the template is not
    given, or of the wrong kind, are refused the same way."""

    title = "Template refused"
    slug = "template-refused"


class TemplateVersionNotFound(NotFound):
    """`POST /templates/{key}/{channel}/{locale}/revert` named a version the template does
    not have (0, the default, always exists)."""

    title = "No such template version"
    slug = "template-version-not-found"


class TemplateChanged(ProblemError):
    """`PUT /templates/{key}/{channel}/{locale}` (or its revert) carried `If-Match` naming
    a version that is no longer the one published: someone published another since it
    was read. Read it again (the current `ETag` comes with the answer), merge, and save
    again."""

    status: ClassVar[int] = 412
    title = "Template changed since it was read"
    slug = "template-version-mismatch"

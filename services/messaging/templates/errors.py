"""What can be wrong with a template (a bug in the package's texts, found by its tests)."""

from __future__ import annotations


class TemplateError(ValueError):
    """A template file is missing, malformed, or renders a line break where none may be
    (an email's subject, an SMS)."""

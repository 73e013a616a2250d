"""Named errors of member imports, each with a stable problem type."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class ImportNotFound(NotFound):
    """An import id names no import."""

    title = "Import not found"
    slug = "import-not-found"


class UnreadableCsv(Unprocessable):
    """The uploaded file is not a CSV this service reads: empty, a header that is not the
    documented one, bytes that are not in the charset, or a quote left open."""

    title = "Unreadable CSV"
    slug = "unreadable-csv"

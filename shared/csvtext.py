"""CSV text for ``format=csv`` answers: RFC 4180, CRLF line ends, ``None`` as empty and
booleans as ``true``/``false`` (as in JSON)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """``header`` then ``rows`` as RFC 4180 text."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    writer.writerows([_field(value) for value in row] for row in rows)
    return output.getvalue()


def _field(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value

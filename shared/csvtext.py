"""CSV text for ``format=csv`` answers: RFC 4180, CRLF line ends, ``None`` as empty and
booleans as ``true``/``false`` (as in JSON); whether a request asked for it, and the answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from starlette.responses import Response


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


CSV_MEDIA_TYPE = "text/csv"


def wants_csv(accept: str | None, output: str | None) -> bool:
    """Whether a request asked for CSV: ``format=csv``, or no ``format`` and an ``Accept``
    naming ``text/csv``."""
    return output == "csv" or (output is None and CSV_MEDIA_TYPE in (accept or ""))


def csv_response(text: str, name: str) -> Response:
    """``text`` as a UTF-8 CSV download named ``<name>.csv``."""
    return Response(
        text,
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )

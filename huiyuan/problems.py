"""The catalogue of problem types every service answers with: docs/problems.md.

Every named error (a ``shared.errors.ProblemError`` subclass with a ``slug``) registers its
type URI when its module is imported. Building each service's composition root imports
every capability it is made of, so after that :data:`shared.errors.PROBLEM_TYPES` holds them
all. ``huiyuan problems`` prints the catalogue; a test keeps docs/problems.md equal to it.
"""

from __future__ import annotations

import importlib
import inspect

from huiyuan.consumers import SERVICES
from shared.errors import PROBLEM_TYPES, ProblemError

_HEADER = """# Problem types

Every error a Huiyuan service answers on purpose is `application/problem+json`
([RFC 9457](https://www.rfc-editor.org/rfc/rfc9457)) with a stable `type` URI
(`urn:huiyuan:problem:<slug>`), a `title`, the HTTP `status`, a `detail` in plain words,
the `instance` (the request path) and, when one input caused it, `errors`: a list of
`{"location", "message"}` naming it (`body.lines.0.quantity`, `header.Idempotency-Key`,
`body.sales.3.card_number` for the fourth sale of a batch). Clients branch on `type`, never on
`title` or `detail`. Answers that only restate an HTTP status (an unknown route's 404, a 405)
are `about:blank`.

This page is generated from the error classes (`huiyuan problems > docs/problems.md`); a test
keeps it current. Where a class is declared says which service and capability raise it.
"""


def _origin(problem: type[ProblemError]) -> str:
    module = problem.__module__
    if module.startswith("services."):
        return module.removeprefix("services.").rsplit(".errors", 1)[0].replace(".", "/")
    return "every service"


def _when(problem: type[ProblemError]) -> str:
    doc = inspect.getdoc(problem) or ""
    own = problem.__dict__.get("__doc__")
    return doc.split("\n\n", 1)[0].replace("\n", " ") if own else ""


def catalogue() -> str:
    """The markdown of docs/problems.md: one table per origin, sorted by type."""
    for service in SERVICES:
        importlib.import_module(f"services.{service}.main")
    by_origin: dict[str, list[type[ProblemError]]] = {}
    for problem in PROBLEM_TYPES.values():
        by_origin.setdefault(_origin(problem), []).append(problem)
    sections = [_HEADER]
    for origin in sorted(by_origin, key=lambda o: (o != "every service", o)):
        sections.append(f"## {origin}\n")
        rows = ["| type | status | title | when |", "|---|---|---|---|"]
        for problem in sorted(by_origin[origin], key=lambda p: p.slug or ""):
            rows.append(
                f"| `{problem.slug}` | {problem.status} | {problem.title} | {_when(problem)} |"
            )
        sections.append("\n".join(rows) + "\n")
    return "\n".join(sections)

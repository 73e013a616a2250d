"""docs/problems.md lists every problem type the services answer with, as generated."""

from __future__ import annotations

from pathlib import Path

from huiyuan.problems import catalogue
from shared.errors import PROBLEM_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "problems.md"


def test_the_problem_catalogue_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == catalogue(), (
        "docs/problems.md is out of date: run `.venv/bin/huiyuan problems > docs/problems.md`"
    )


def test_every_named_problem_is_listed_with_its_status_and_when_it_happens() -> None:
    text = catalogue()
    for uri, problem in PROBLEM_TYPES.items():
        assert uri.startswith("urn:huiyuan:problem:")
        row = next(line for line in text.splitlines() if line.startswith(f"| `{problem.slug}` |"))
        assert f"| {problem.status} |" in row
        assert not row.endswith("|  |"), f"{problem.__qualname__} needs a docstring saying when"

"""The schema fuzz's summary at the end of a session, in one process or over pytest-xdist
workers: each worker hands what its fuzz saw to the controller, which prints the cases made,
their statuses and the distinct failures of them all, writes ``.huiyuan/fuzz/findings.md``,
and fails a run that made fewer cases than ``FUZZ_MIN_CASES`` (``make fuzz``).

A plugin of the root conftest: under pytest-xdist the controller collects nothing, so it
never loads ``tests/fuzz/conftest.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.findings import Findings

FINDINGS_FILE = Path(".huiyuan/fuzz/findings.md")
_WORKER_OUTPUT = "fuzz_findings"
# what this process's fuzz targets saw, or, on a pytest-xdist controller, its workers' fuzz
_seen: list[Findings] = []


def add(findings: Findings) -> None:
    """Counts ``findings`` (a fuzz target's, filled as its cases run) in the summary."""
    _seen.append(findings)


def _total() -> Findings | None:
    if not _seen:
        return None
    total = Findings()
    for findings in _seen:
        total.merge(findings)
    return total


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On a pytest-xdist controller: what the worker's fuzz saw, if it fuzzed."""
    sent = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if sent is not None:
        _seen.append(Findings.from_lists(sent))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker sends its controller what its fuzz saw; the controller, or a single
    process, fails a run that made fewer than ``FUZZ_MIN_CASES``."""
    total = _total()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        if total is not None:
            workeroutput[_WORKER_OUTPUT] = total.as_lists()
        return
    wanted = int(os.environ.get("FUZZ_MIN_CASES", "0"))
    made = sum(total.cases.values()) if total is not None else 0
    if total is not None and made < wanted:
        print(f"\nschema fuzzing made {made} cases, fewer than FUZZ_MIN_CASES={wanted}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    total = _total()
    if total is None or hasattr(terminalreporter.config, "workeroutput"):
        return
    terminalreporter.section("schema fuzzing")
    terminalreporter.write_line(total.summary())
    FINDINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
    command = os.environ.get("FUZZ_COMMAND", " ".join(["pytest", *sys.argv[1:]]))
    FINDINGS_FILE.write_text(total.markdown(command))
    terminalreporter.write_line(f"findings written to {FINDINGS_FILE}")

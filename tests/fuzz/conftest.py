"""The fuzzed system for the module, and each operation's verdict from what it found."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest

from tests.fuzz.target import FuzzTarget, fuzz_target
from tests.stack import Stack

FINDINGS_FILE = Path(".huiyuan/fuzz/findings.md")
_targets: list[FuzzTarget] = []


@pytest.fixture(scope="module")
async def target(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FuzzTarget]:
    async with fuzz_target(stack, tmp_path_factory.mktemp("fuzz-providers")) as target:
        _targets.append(target)
        yield target


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None]:
    """Fails an operation's test with every distinct failure its cases showed.

    The test itself records failures instead of raising them, so that one bad input does
    not stop the fuzzing of everything else the operation takes.
    """
    target: FuzzTarget | None = getattr(item, "funcargs", {}).get("target")
    seen = set(target.findings.examples) if target is not None else set()
    result = yield
    if target is not None:
        new = [finding for finding in target.findings.examples if finding not in seen]
        if new:
            lines = [
                f"{finding.line()}\n    e.g. {target.findings.examples[finding]}" for finding in new
            ]
            raise AssertionError(f"{len(new)} distinct failures:\n" + "\n".join(lines))
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With ``FUZZ_MIN_CASES`` (``make fuzz``), a run that made fewer cases fails."""
    wanted = int(os.environ.get("FUZZ_MIN_CASES", "0"))
    made = sum(sum(target.findings.cases.values()) for target in _targets)
    if _targets and made < wanted:
        print(f"\nschema fuzzing made {made} cases, fewer than FUZZ_MIN_CASES={wanted}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for target in _targets:
        terminalreporter.section("schema fuzzing")
        terminalreporter.write_line(target.findings.summary())
        FINDINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
        command = os.environ.get("FUZZ_COMMAND", " ".join(["pytest", *sys.argv[1:]]))
        FINDINGS_FILE.write_text(target.findings.markdown(command))
        terminalreporter.write_line(f"findings written to {FINDINGS_FILE}")

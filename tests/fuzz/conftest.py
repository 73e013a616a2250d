"""The fuzzed system for the module, and each operation's verdict from what it found (the
run's summary is :mod:`tests.fuzz.summary`'s)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator

import pytest

from tests.fuzz import lazy, summary
from tests.fuzz.target import FuzzTarget, fuzz_target
from tests.stack import Stack

# added to the niceness of the thread that makes and checks the cases, once the services are
# up and seeded: the fuzz is CPU-bound and ends the run, so it may run beside the other
# workers' tests (tests/scheduling.py), whose timing limits get the cores first. On Linux a
# thread's niceness is its own: the services' threads, started before, answer at the
# priority of everything else, within schemathesis' 10 s
FUZZ_NICENESS = 10


@pytest.fixture(scope="module")
async def target(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FuzzTarget]:
    async with fuzz_target(stack, tmp_path_factory.mktemp("fuzz-providers")) as target:
        os.nice(FUZZ_NICENESS)
        summary.add(target.findings)
        yield target


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, object, object]:
    """Each operation's test is built when it runs (:mod:`tests.fuzz.lazy`): outermost,
    this sees the collector schemathesis' own hook put in."""
    made = yield
    return lazy.lazy(made, collector, name, obj)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    lazy.build_for(item)


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

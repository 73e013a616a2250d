from __future__ import annotations

from collections import Counter

import pytest
from _pytest.nodeid import NodeId
from hypothesis import settings
from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

from tests.ast_guard import guard_ast_parse

# before any test starts a thread that may parse
guard_ast_parse()

pytest_plugins = ["tests.fixtures", "tests.fuzz.summary"]

# Speed is measured by the benchmarks, not by a deadline per example: hypothesis's default
# 200 ms failed a pure domain property (tests/orders/discounts/test_domain.py) on a machine
# with a load average of 10, which says nothing about the code.
settings.register_profile("huiyuan", deadline=None)
settings.load_profile("huiyuan")

FUZZ_FILE = "tests/fuzz/test_openapi_fuzz.py"
# The longest single tests, each a whole system of its own under injected faults or as
# `huiyuan up` starts it: handed out first, so that they end before the end of the run and
# do not share the cores with the fuzz (their checks have timing limits).
FIRST = (
    "tests/faults/test_short_run.py",
    "tests/faults/test_replicas.py",
    "tests/e2e/test_huiyuan_up.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs the schema fuzz last: it fills the session's database with whatever it made up
    and leaves its five services' events on the session's broker, which no other test
    expects.

    Schemathesis names each operation's test ``test_<service>[<operation>]`` but gives every
    one of a service the node id ``...::test_<service>``; pytest-xdist finds a test by its
    node id, and would run the first operation's over and over instead of the others.
    """
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
    repeated = Counter(item.nodeid for item in items)
    for item in items:
        if repeated[item.nodeid] > 1 and item.parent is not None:
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")


class _FuzzLastScheduling(LoadFileScheduling):  # type: ignore[misc]
    """``--dist loadfile`` (a module's fixtures are made once, on one worker), except that
    each operation's fuzz is a unit of its own, handed out only once no other unit is left:
    every worker has a database and broker of its own, so one that fuzzes runs nothing
    after it, as in a serial run. The fuzz is about half the run's time; in units of one
    operation (seconds each) every worker takes part in it and they end within seconds of
    each other, where a unit per service (35 to 87 operations) left one worker fuzzing
    alone for minutes. The files in ``FIRST`` go first."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(FUZZ_FILE):
            return nodeid
        scope: str = super()._split_scope(nodeid)
        return scope

    def _assign_work_unit(self, node: WorkerController) -> None:
        for scope in [scope for scope in self.workqueue if scope.startswith(FUZZ_FILE)]:
            self.workqueue.move_to_end(scope)
        for scope in FIRST:
            if scope in self.workqueue:
                self.workqueue.move_to_end(scope, last=False)
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadFileScheduling:
    """Parallel runs (``make test``) schedule by file, the fuzz last; whatever ``--dist``."""
    return _FuzzLastScheduling(config, log)

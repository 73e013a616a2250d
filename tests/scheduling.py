"""How a parallel run (``make test``) hands the suite to its workers (pytest-xdist).

Units are whole files (``--dist loadfile``: a module's fixtures are made once, on one
worker), except the schema fuzz, whose every operation is a unit of its own (seconds each),
so that all the workers that fuzz end within seconds of each other.

Every worker has a database and broker of its own, and the fuzz fills them with whatever
it made up, which no other test expects: a worker that has fuzzed runs nothing else. So the
fuzz is handed out only once no other unit is left, except to the fuzzing worker: with
:data:`FUZZ_FROM_START_WORKERS` workers or more, the last of them fuzzes from the start.
The other tests mostly wait (on their brokers, their timers, their child processes) and
leave a core idle between them; the fuzz is CPU-bound and takes it, at a lower priority
than theirs (``tests/fuzz/conftest.py``), so it neither stretches their timing limits nor
waits until they are done to begin.

Within both kinds the costliest units go first (:data:`COSTS`, seconds, from a run's
``--durations``; a unit not listed counts as free and keeps its collection order), so the
long whole-system runs start at once and the run ends on short units, not on one that
started late.
"""

from __future__ import annotations

import json
from pathlib import Path

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

FUZZ_FILE = "tests/fuzz/test_openapi_fuzz.py"
# a unit's file, or a fuzzed operation's node id -> its seconds in rehearsal 34a
# (2026-12-01, `pytest -n 3 --durations=0`, its tests of 1 s or more summed per unit)
COSTS: dict[str, float] = json.loads(Path(__file__).with_name("costs.json").read_text())
FUZZ_FROM_START_WORKERS = 4


def is_fuzz(scope: str) -> bool:
    """Whether a unit (a file or a node id) is one of the schema fuzz's operations."""
    return scope.startswith(FUZZ_FILE)


class CostFirstScheduling(LoadFileScheduling):  # type: ignore[misc]
    """``--dist loadfile``, costliest first, the fuzz last on every worker but one."""

    def __init__(self, config: object, log: object = None) -> None:
        super().__init__(config, log)
        self._ordered = False
        self._fuzzing: set[WorkerController] = set()

    def _split_scope(self, nodeid: str) -> str:
        if is_fuzz(nodeid):
            return nodeid
        scope: str = super()._split_scope(nodeid)
        return scope

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not self._ordered:
            self._order()
        scope = self._next_scope(node)
        if scope is None:  # the fuzzing worker, with no operation left to fuzz
            return
        work_unit = self.workqueue.pop(scope)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        collection = self.registered_collections[node]
        node.send_runtest_some(
            [collection.index(nodeid) for nodeid, done in work_unit.items() if not done]
        )

    def _order(self) -> None:
        units = sorted(self.workqueue.items(), key=lambda unit: -COSTS.get(unit[0], 0.0))
        units.sort(key=lambda unit: is_fuzz(unit[0]))
        self.workqueue.clear()
        self.workqueue.update(units)
        kinds = {is_fuzz(scope) for scope in self.workqueue}
        if len(self.nodes) >= FUZZ_FROM_START_WORKERS and kinds == {True, False}:
            self._fuzzing.add(self.nodes[-1])
        self._ordered = True

    def _next_scope(self, node: WorkerController) -> str | None:
        """The first unit in order that ``node`` may take: the fuzzing worker takes only
        the fuzz, the others the fuzz only once nothing else is left (a crashed worker's
        units come back at the end of the queue)."""
        fuzz = next((scope for scope in self.workqueue if is_fuzz(scope)), None)
        if node in self._fuzzing:
            return fuzz
        return next((scope for scope in self.workqueue if not is_fuzz(scope)), fuzz)

"""The parallel run's scheduling (:mod:`tests.scheduling`), driven as pytest-xdist's
controller drives it: workers collect, the schedule starts, each worker reports its tests
done one at a time, round-robin, until the scheduler says the run is finished."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from tests.scheduling import COSTS, FUZZ_FILE, CostFirstScheduling, is_fuzz

CHEAP = "tests/zz/test_cheap.py"
COSTLY = "tests/faults/test_short_run.py"
COSTLY_FUZZ = f"{FUZZ_FILE}::test_orders[POST /purchases:batch]"
COLLECTION = [
    f"{CHEAP}::test_one",
    f"{CHEAP}::test_two",
    f"{FUZZ_FILE}::test_orders[GET /unlisted]",
    COSTLY_FUZZ,
    f"{FUZZ_FILE}::test_customer[GET /unlisted]",
    f"{COSTLY}::test_it",
    "tests/zz/test_other.py::test_it",
    "tests/zz/test_third.py::test_it",
]


@dataclass(eq=False)
class Worker:
    """What the scheduler sees of a worker: it is sent test indexes and may be shut down."""

    gateway: SimpleNamespace
    handed_out: list[str]
    queued: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    shutting_down: bool = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.queued.extend(COLLECTION[index] for index in indexes)
        self.handed_out.extend(COLLECTION[index] for index in indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def run(workers: int) -> tuple[list[Worker], list[str]]:
    """Every test of :data:`COLLECTION` through a scheduler with ``workers`` workers: the
    workers, and the tests in the order they were handed out."""
    config = SimpleNamespace(
        option=SimpleNamespace(loadscopereorder=False), getvalue=lambda name: [f"{workers}*popen"]
    )
    scheduler = CostFirstScheduling(config)
    handed_out: list[str] = []
    nodes = [Worker(SimpleNamespace(id=f"gw{number}"), handed_out) for number in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, COLLECTION)
    scheduler.schedule()
    while not scheduler.tests_finished:
        busy = [node for node in nodes if node.queued]
        assert busy, "work left but none sent"
        for node in busy:
            nodeid = node.queued.pop(0)
            node.ran.append(nodeid)
            scheduler.mark_test_complete(node, COLLECTION.index(nodeid))
    for node in nodes:  # a worker shut down runs what it was sent
        node.ran.extend(node.queued)
    return nodes, handed_out


def test_the_costs_name_units_that_exist() -> None:
    assert COSTS[COSTLY] > 100
    assert COSTS[COSTLY_FUZZ] > 10
    assert CHEAP not in COSTS


def test_every_test_runs_once_and_no_worker_runs_anything_after_the_fuzz() -> None:
    for workers in (1, 2, 3, 4, 5):
        nodes, _ = run(workers)
        assert sorted(nodeid for node in nodes for nodeid in node.ran) == sorted(COLLECTION)
        for node in nodes:
            kinds = [is_fuzz(nodeid) for nodeid in node.ran]
            assert kinds == sorted(kinds), (workers, node.gateway.id, node.ran)


def test_the_costliest_unit_of_each_kind_is_handed_out_first() -> None:
    for workers in (1, 3):
        _, order = run(workers)
        assert order[0] == f"{COSTLY}::test_it"
        assert next(nodeid for nodeid in order if is_fuzz(nodeid)) == COSTLY_FUZZ


def test_with_four_workers_the_last_fuzzes_from_the_start_and_only_fuzzes() -> None:
    (*others, fuzzing), _ = run(4)
    assert fuzzing.ran
    assert all(is_fuzz(nodeid) for nodeid in fuzzing.ran)
    assert fuzzing.ran[0] == COSTLY_FUZZ
    assert not any(is_fuzz(nodeid) for node in others for nodeid in node.ran[:1])


def test_with_three_workers_none_fuzzes_while_another_unit_waits() -> None:
    nodes, _ = run(3)
    assert not any(is_fuzz(node.ran[0]) for node in nodes)

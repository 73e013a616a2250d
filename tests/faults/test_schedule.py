"""The fault schedule is a function of its seed."""

from __future__ import annotations

from tests.faults.schedule import FAULT_KINDS, plan, spaced


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    assert plan(7, 20, 100.0) == plan(7, 20, 100.0)
    assert plan(7, 20, 100.0) != plan(8, 20, 100.0)


def test_every_kind_of_fault_happens_within_the_middle_of_the_run() -> None:
    schedule = plan(3, 100, 1000.0)
    assert len(schedule) == 100
    assert {fault.kind for fault in schedule} == set(FAULT_KINDS)
    assert all(100.0 <= fault.at <= 900.0 for fault in schedule)
    assert [fault.at for fault in schedule] == sorted(fault.at for fault in schedule)


def test_spaced_faults_come_one_at_a_time_in_turn() -> None:
    schedule = spaced(len(FAULT_KINDS) * 2, 20.0)
    assert [fault.at for fault in schedule] == [20.0 * (n + 1) for n in range(len(schedule))]
    assert [fault.kind for fault in schedule] == list(FAULT_KINDS) * 2

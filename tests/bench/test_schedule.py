"""The open model's schedule: even spacing, every request once, ramps as asked."""

from __future__ import annotations

import pytest

from bench.schedule import Step, constant, ramp, send_offsets


def test_a_constant_step_spaces_requests_evenly() -> None:
    offsets = send_offsets(Step(rate=4, seconds=2))

    assert offsets == [(n, n * 0.25) for n in range(8)]


def test_workers_split_one_schedule_without_gaps_or_overlap() -> None:
    step = Step(rate=7, seconds=3)

    shares = [send_offsets(step, share=share, shares=3) for share in range(3)]

    merged = sorted(offset for share in shares for offset in share)
    assert merged == send_offsets(step)
    assert [len(share) for share in shares] == [7, 7, 7]
    assert all(number % 3 == 1 for number, _ in shares[1])


def test_a_ramp_rises_to_its_top_rate_included() -> None:
    assert ramp("200:1000:200", 60) == [Step(float(r), 60) for r in (200, 400, 600, 800, 1000)]
    assert ramp("50:50:10", 5) == [Step(50.0, 5)]


@pytest.mark.parametrize("spec", ["200:100:50", "0:100:10", "100:200:0", "100-200", "a:b:c"])
def test_a_bad_ramp_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r"ramp|START"):
        ramp(spec, 60)


def test_a_constant_run_needs_a_positive_rate_and_duration() -> None:
    assert constant(50, 10) == [Step(50, 10)]
    assert Step(50, 10).requests == 500
    with pytest.raises(ValueError, match="positive"):
        constant(0, 10)

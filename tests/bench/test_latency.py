"""Latencies count from the intended start, so a stall delays every request it held up."""

from __future__ import annotations

import asyncio

from bench.latency import Latencies
from bench.load import paced


def test_percentiles_are_taken_from_the_intended_start() -> None:
    latencies = Latencies()
    # a server that answers in 1 ms but stalls 1 s at t=5.0: the request due at 5.0
    # waits 1 s, the one due at 5.5 waits 0.5 s, and the rest are quick
    for tick in range(100):
        intended = tick / 10
        started = max(intended, 6.0) if 5.0 <= intended < 6.0 else intended
        latencies.record_from(intended, started + 0.001, origin=0.0)

    summary = latencies.summary()
    assert summary["count"] == 100
    assert 0.9 <= summary["p50"] <= 1.1  # most answered in about 1 ms
    assert 990 <= summary["max"] <= 1010  # the request due at 5.0 counted its 1 s wait
    assert 490 <= latencies.percentile_ms(95) <= 510  # 10 held up: 1 s, 0.9 s, …, 0.1 s


def test_each_second_of_the_run_has_its_own_distribution() -> None:
    latencies = Latencies()
    latencies.record(0.002, at=0.5)
    latencies.record(0.004, at=0.9)
    latencies.record(0.300, at=2.1)

    series = latencies.series()

    assert [(point["second"], point["count"]) for point in series] == [(0, 2), (2, 1)]
    assert 295 <= series[1]["p99"] <= 305


def test_histograms_from_several_workers_merge_after_a_round_trip() -> None:
    first, second = Latencies(), Latencies()
    for value in range(1, 51):
        first.record(value / 1000, at=0)
        second.record((value + 50) / 1000, at=1)

    merged = Latencies.decode(first.encode())
    merged.merge(Latencies.decode(second.encode()))

    assert merged.count == 100
    assert 49.5 <= merged.percentile_ms(50) <= 50.5
    assert 98.5 <= merged.percentile_ms(99) <= 99.5
    assert sorted(merged.by_second) == [0, 1]


def test_an_empty_distribution_reports_zeroes() -> None:
    assert Latencies().summary() == {"count": 0, "p50": 0.0, "p99": 0.0, "p99.9": 0.0, "max": 0.0}


async def test_the_pacer_sends_on_schedule_even_when_answers_are_slow() -> None:
    loop = asyncio.get_running_loop()
    started: list[float] = []

    async def slow(number: int, intended: float, offset: float) -> None:
        started.append(loop.time() - origin)
        await asyncio.sleep(0.3)  # a closed loop would send the next one 300 ms late

    origin = loop.time() + 0.05
    await paced([(n, n * 0.02) for n in range(10)], origin, slow)

    assert len(started) == 10
    assert all(abs(at - n * 0.02) < 0.1 for n, at in enumerate(started)), started

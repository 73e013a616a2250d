"""The yardstick: pgbench's rate read from its output, and the ratio we track."""

from __future__ import annotations

import pytest

from bench.pgbench import parse_tps, ratio

OUTPUT = """\
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 1
query mode: simple
number of clients: 8
number of threads: 2
duration: 30 s
number of transactions actually processed: 41234
latency average = 5.819 ms
initial connection time = 12.345 ms
tps = 1374.791442 (without initial connection time)
"""


def test_the_rate_is_the_one_without_connection_time() -> None:
    assert parse_tps(OUTPUT) == pytest.approx(1374.791442)


def test_output_without_a_rate_is_an_error() -> None:
    with pytest.raises(ValueError, match="tps"):
        parse_tps("pgbench: error: connection refused")


def test_the_ratio_is_purchases_per_second_over_pgbench_tps() -> None:
    assert ratio(300.0, 1500.0) == 0.2
    assert ratio(1000.0, 4000.0) == 0.25
    assert ratio(100.0, 0.0) is None

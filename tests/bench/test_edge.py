"""bench.edge's server commands, read back by each server's own command-line parser, and its
table of medians and ratios."""

from __future__ import annotations

import itertools

import pytest
from uvicorn.main import main as uvicorn_cli

from bench.alone import server_command
from bench.edge import Run, Setup, setups, table


def _run(setup: Setup, per_second: float, server_ms: float, p99: float = 5.0) -> Run:
    requests = 1000
    return Run(
        setup=setup,
        requests=requests,
        wall_seconds=requests / per_second,
        server_cpu=server_ms * requests / 1000,
        postgres_cpu=1.0,
        client_cpu=0.2,
        p50_ms=1.0,
        p99_ms=p99,
        idle_cores=0.01,
    )


def test_uvicorn_serves_the_factory_as_huiyuan_up_does_with_the_workers_asked() -> None:
    one = server_command("orders", 8123)
    assert one[:2] == ["-m", "uvicorn"]
    assert "--workers" not in one
    parsed = uvicorn_cli.make_context("uvicorn", server_command("orders", 8123, workers=2)[2:])
    assert parsed.params["app"] == "services.orders.main:create_app"
    assert parsed.params["factory"] is True
    assert parsed.params["access_log"] is False
    assert (parsed.params["host"], parsed.params["port"]) == ("127.0.0.1", 8123)
    assert parsed.params["workers"] == 2


def test_granian_serves_the_factory_on_its_asgi_interface_with_uvloop_and_extra_options() -> None:
    """granian is not a dependency (it lost to uvicorn), so its parser cannot check this
    command here: the options are checked as granian 2.8.9 names them, the app
    last as its one argument."""
    command = server_command("loyalty", 8124, "granian", 2, ["--task-impl", "rust"])
    assert command[:2] == ["-m", "granian"]
    options = command[2:-1]
    assert command[-1] == "services.loyalty.main:create_app"
    pairs = dict(itertools.pairwise(options))  # each option and the word after it
    assert pairs["--interface"] == "asgi"
    assert pairs["--loop"] == "uvloop"
    assert pairs["--host"] == "127.0.0.1"
    assert pairs["--port"] == "8124"
    assert pairs["--workers"] == "2"
    assert pairs["--task-impl"] == "rust"
    assert {"--factory", "--no-access-log"} <= set(options)


@pytest.mark.parametrize(("server", "workers"), [("hypercorn", 1), ("uvicorn", 0)])
def test_an_unknown_server_or_no_worker_is_refused(server: str, workers: int) -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        server_command("orders", 8125, server, workers)


def test_setups_pair_every_server_with_every_worker_count_in_order() -> None:
    assert [s.label for s in setups(["uvicorn", "granian"], [1, 2])] == [
        "uvicorn x1",
        "uvicorn x2",
        "granian x1",
        "granian x2",
    ]


def test_the_table_gives_each_setups_medians_and_ratios_to_the_first_setup() -> None:
    uvicorn, granian = Setup("uvicorn", 1), Setup("granian", 1)
    runs = [
        _run(uvicorn, 100, 4.0, p99=9.0),
        _run(granian, 150, 3.0),
        _run(uvicorn, 200, 2.0, p99=11.0),
        _run(granian, 90, 3.4),
        _run(uvicorn, 120, 5.0, p99=10.0),
    ]

    header, _, first, second = table(runs).splitlines()

    assert header.startswith("| setup | runs | requests/s | server CPU ms/request |")
    # uvicorn's medians: 120 requests/s, 4 ms, p99 10 ms; granian's: 120, 3.2 ms
    assert first == "| uvicorn x1 | 3 | 120 | 4.000 | 1.000 | 0.200 | 10.00 | 0.010 | 1.00 | 1.00 |"
    assert second == "| granian x1 | 2 | 120 | 3.200 | 1.000 | 0.200 | 5.00 | 0.010 | 1.00 | 0.80 |"

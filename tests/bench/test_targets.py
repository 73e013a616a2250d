"""Issue 19's targets judged from a run's result: each verdict follows from the figures."""

from __future__ import annotations

from typing import Any

from bench import compare, report, targets


def _latency(p99: float) -> dict[str, Any]:
    return {"count": 100, "p50": p99 / 2, "p99": p99, "p99.9": p99, "max": p99}


def _step(
    rate: float,
    e2e: float,
    *,
    sustained: bool = True,
    ingest_p99: float = 10.0,
    visible_p99: float = 100.0,
    notified_p99: float = 200.0,
    reads: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "rate": rate,
        "seconds": 10,
        "starts_at_second": 0,
        "batch": 0,
        "sent": int(rate * 10),
        "accepted": int(rate * 10),
        "accepted_per_second": rate,
        "errors": {},
        "ingest": _latency(ingest_p99),
        "points_visible": _latency(visible_p99),
        "notified": _latency(notified_p99),
        "e2e_per_second": e2e,
        "reads": reads,
        "backlog_max": 0,
        "sustained": sustained,
        "why_not": [] if sustained else ["backlog"],
        "cpu": {"orders": {"cpu_seconds": rate * 10 * 0.002, "percent_of_a_core": 50.0}},
        "generator_send_lag": _latency(1.0),
    }


def _result(
    *steps: dict[str, Any], batch: int = 0, tps: float = 3_000.0, **options: Any
) -> dict[str, Any]:
    sustained = [step for step in steps if step["sustained"]]
    best = max(sustained, key=lambda step: step["rate"]) if sustained else None
    basis = best["e2e_per_second"] if best else 0.0
    return {
        "options": {"batch": batch, "campaign": True, "coupons": True, "saturation": None}
        | options,
        "steps": list(steps),
        "pgbench": {"tps": tps},
        "machine": {"cores": 2},
        "ratio": round(basis / tps, 4),
        "saturation": {
            "rate": best["rate"] if best else None,
            "e2e_per_second": basis if best else None,
        },
    }


def _verdicts(result: dict[str, Any]) -> dict[str, targets.Verdict]:
    return {row.target.split(" ")[0]: row.verdict for row in targets.judge(result)}


def test_saturation_is_met_above_the_target_and_the_floor_between() -> None:
    met = _result(_step(700, 700), _step(1_100, 1_050), _step(1_300, 900, sustained=False))
    floor = _result(_step(600, 590), _step(800, 500, sustained=False))
    short = _result(_step(60, 58), _step(90, 65, sustained=False))
    assert targets.judge(met)[0].verdict == "met"
    assert targets.judge(floor)[0].verdict == "floor met"
    assert targets.judge(short)[0].verdict == "not met"
    assert targets.judge(met)[1].verdict == "met"  # 1,050 ÷ 3,000 TPS
    over = _step(1_300, 900, sustained=False)
    assert targets.judge(_result(_step(1_100, 1_050), over, tps=6_000.0))[1].verdict == "not met"


def test_a_saturation_without_the_campaign_or_coupons_says_so() -> None:
    row = targets.judge(_result(_step(220, 215), campaign=False))[0]
    assert "without --campaign" in row.measured


def test_the_last_sustained_step_is_only_a_lower_bound() -> None:
    bounded = targets.judge(_result(_step(160, 157)))
    assert "lower bound" in bounded[0].measured
    assert "`make bench RAMP=160:640:160 DURATION=60" in bounded[0].measured
    assert [row.verdict for row in bounded[:3]] == ["not measured"] * 3  # no saturation yet
    assert targets.judge(_result(_step(1_100, 1_050)))[0].verdict == "met"  # a bound past it
    found = targets.judge(_result(_step(160, 157), _step(180, 120, sustained=False)))
    assert "lower bound" not in found[0].measured
    assert found[0].verdict == "not met"


def test_latency_is_judged_on_the_highest_step_at_seventy_percent() -> None:
    fast = _result(_step(700, 700), _step(1_000, 990), _step(1_200, 800, sustained=False))
    over = _step(1_200, 800, sustained=False)
    slow = _result(_step(700, 700, visible_p99=151.0), _step(1_000, 990), over)
    assert targets.judge(fast)[2].verdict == "met"
    assert targets.judge(slow)[2].verdict == "not met"
    assert "points visible p99 151 ms" in targets.judge(slow)[2].measured


def test_latency_needs_a_step_at_seventy_percent_or_an_earlier_saturation() -> None:
    alone = _result(_step(42, 42, ingest_p99=20.0), _step(60, 50, sustained=False))
    assert targets.judge(alone)[2].verdict == "not measured"
    assert "RATE=29" in targets.judge(alone)[2].measured
    told = _result(_step(42, 42, ingest_p99=20.0), saturation=60.0)
    assert targets.judge(told)[2].verdict == "not met"
    assert "ingest p99 20 ms" in targets.judge(told)[2].measured


def test_batches_are_judged_only_on_a_batch_run() -> None:
    assert _verdicts(_result(_step(60, 58)))["batches"] == "not measured"
    assert _verdicts(_result(_step(4_000, 3_500), batch=500))["batches"] == "floor met"
    assert _verdicts(_result(_step(12_000, 11_000), batch=500))["batches"] == "met"
    one_by_one = targets.judge(_result(_step(4_000, 3_500), batch=500))[0]
    assert one_by_one.verdict == "not measured"


def _reads(per_second: float, p99: float) -> dict[str, Any]:
    return {"per_second": per_second, "ok": 1, "errors": {}, "latency": _latency(p99)}


def test_reads_need_the_rate_the_latency_and_five_hundred_sales_a_second() -> None:
    def verdict(rate: float, per_second: float, p99: float) -> targets.Verdict:
        return _verdicts(_result(_step(rate, rate, reads=_reads(per_second, p99))))["balance"]

    assert verdict(500, 5_200, 9.0) == "met"
    assert verdict(500, 2_500, 9.0) == "floor met"
    assert verdict(500, 5_200, 11.0) == "not met"
    assert verdict(70, 5_200, 9.0) == "not met"
    assert _verdicts(_result(_step(500, 500)))["balance"] == "not measured"


def test_cpu_per_sale_divides_each_process_by_the_accepted_sales() -> None:
    step = _step(100, 100)  # orders: 2 s of CPU for 1,000 sales
    assert targets.cpu_ms_per_sale(step) == {"orders": 2.0}
    assert targets.cpu_ms_per_sale(step | {"accepted": 0}) == {}


def test_a_step_that_filled_the_cores_says_its_cpu_per_sale_is_no_cost() -> None:
    """Both cores' 20 CPU-seconds of a 10 s step used: 20 ms per sale at 100/s is the rate's
    bound. Half of them: the figure stands alone."""
    full = _step(100, 100) | {"cpu": {"orders": {"cpu_seconds": 19.5, "percent_of_a_core": 195}}}
    half = _step(100, 100) | {"cpu": {"orders": {"cpu_seconds": 10.0, "percent_of_a_core": 100}}}
    assert targets.machine_full(full, cores=2)
    assert not targets.machine_full(half, cores=2)
    assert not targets.machine_full(full, cores=4)
    [judged, *_] = targets.judge(_result(full, _step(200, 150, sustained=False)))
    assert "19.5 ms per sale at 100/s (the cores were full" in judged.measured
    [judged, *_] = targets.judge(_result(half, _step(200, 150, sustained=False)))
    assert judged.measured.endswith("10.0 ms per sale at 100/s")


def test_the_report_prints_every_target() -> None:
    result = _result(_step(60, 58), _step(90, 65, sustained=False))
    result |= {
        "started_at": "2026-12-01T00-00-00Z",
        "command": "make bench",
        "revision": "abc",
        "machine": {
            "cores": 2,
            "cpu": "x",
            "ram_gib": 1,
            "python": "3.11",
            "os": "Linux",
            "load_average_at_start": [0, 0, 0],
        },
        "stack": "embedded",
        "members": 10,
        "stores": 1,
        "clock": "commit timestamps",
        "files": {"png": "x.png"},
    }
    result["pgbench"] |= {"command": "pgbench", "scale": 1}
    text = report.markdown(result)
    for row in targets.judge(result):
        assert f"| {row.target} | {row.measured} | {row.verdict} |" in text
    assert "| orders | 1.8 | 50% | 2.0 |" in text


def _run(members: int, e2e: float | None) -> dict[str, Any]:
    return {"members": members, "saturation": {"e2e_per_second": e2e}}


def test_data_size_compares_medians_of_three_runs_per_population() -> None:
    runs = [(f"{n}.json", _run(10_000, e2e)) for n, e2e in enumerate((200.0, 220.0, 210.0))]
    runs += [(f"m{n}.json", _run(1_000_000, e2e)) for n, e2e in enumerate((180.0, 190.0, 170.0))]
    sizes = compare.groups(runs)
    assert [group.members for group in sizes] == [10_000, 1_000_000]
    assert sizes[0].median == 210.0
    assert round(sizes[0].spread, 4) == round(20 / 210, 4)
    drop, judged = compare.verdict(sizes)
    assert drop is not None
    assert round(drop, 4) == round(1 - 180 / 210, 4)
    assert judged == "met"  # 14.3 %
    runs[3] = ("m0.json", _run(1_000_000, 150.0))
    assert compare.verdict(compare.groups(runs))[1] == "not met"  # median 170: 19 %
    assert compare.verdict(compare.groups(runs[:4]))[1].startswith("not decided")
    assert "| 10,000 | 3 | 200.0, 220.0, 210.0 | 210.0 |" in compare.markdown(sizes)


def test_a_run_that_sustained_nothing_counts_as_zero() -> None:
    assert compare.saturation(_run(10, None)) == 0.0
    assert compare.verdict(compare.groups([("a", _run(10, None)), ("b", _run(20, 5.0))]))[
        1
    ].startswith("not decided")


def test_the_report_gives_postgres_statements_per_accepted_sale() -> None:
    step = _step(100, 100)  # 1,000 sales accepted
    step["pg_statements"] = {
        "calls": 8_000,
        "exec_ms": 2_000.0,
        "top": [{"query": "SELECT a | b FROM t", "calls": 3_000, "exec_ms": 500.0, "rows": 1}],
    }
    lines = report._statements(step)
    assert "8.0 statements and 2.00 ms of execution per accepted sale" in lines[1]
    assert lines[-1] == "| `SELECT a \\| b FROM t` | 3.00 | 0.500 | 25% |"
    assert report._statements(_step(100, 100) | {"pg_statements": None}) == []


def test_runs_that_found_no_saturation_one_by_one_are_left_out_of_the_comparison() -> None:
    found = _result(_step(60, 58), _step(90, 65, sustained=False)) | {"members": 10}
    batch = _result(_step(1_000, 170, sustained=False), batch=500) | {"members": 10}
    bounded = _result(_step(60, 58)) | {"members": 20}
    assert compare.left_out(found) is None
    assert compare.left_out(batch) == "posted batches"
    assert compare.left_out(bounded) == "its last step was sustained (saturation not reached)"
    sizes = compare.groups([("a", found), ("b", batch), ("c", bounded)])
    assert [(group.members, group.saturations) for group in sizes] == [(10, [58])]
    shown = compare.markdown(sizes)
    assert "Drop from the smallest to the largest population: not decided" in shown

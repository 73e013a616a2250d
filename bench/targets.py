"""Issue 19's targets, judged from one run's result: met, only the floor met, not met, or
not measured by this run (and which command would measure it).

Every judgement is a pure function of the result dict ``bench.run`` builds, so the
report and the tests read the same verdicts. A target a single run cannot decide (how
saturation moves from 10,000 to 1,000,000 members) is named with the commands that decide
it. Rates are sales per second; latencies are milliseconds; CPU is milliseconds per sale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["met", "floor met", "not met", "not measured"]

SATURATION = 1_000.0  # purchases/s posted one by one, end to end
SATURATION_FLOOR = 500.0
RATIO = 0.2  # of pgbench's TPS in the same run
BATCH = 10_000.0  # sales/s end to end, posted in batches
BATCH_FLOOR = 3_000.0
LATENCY_SHARE = 0.7  # the latency targets hold at this share of the saturation rate
INGEST_P99_MS = 15.0
VISIBLE_P99_MS = 150.0
NOTIFIED_P99_MS = 300.0
READS = 5_000.0  # balance reads/s …
READS_FLOOR = 2_000.0
READS_P99_MS = 10.0
READS_WHILE = 500.0  # … while this many purchases/s are ingested
DATA_SIZE_DROP = 0.15  # saturation may fall at most this much from 10k to 1M members


@dataclass(frozen=True)
class Judgement:
    """One target's row: what it asks, what this run measured and the verdict."""

    target: str
    measured: str
    verdict: Verdict


def _by_floor(value: float, target: float, floor: float) -> Verdict:
    if value >= target:
        return "met"
    return "floor met" if value >= floor else "not met"


def _sustained(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in result["steps"] if step["sustained"]]


def cpu_ms_per_sale(step: dict[str, Any]) -> dict[str, float]:
    """Each process's CPU in the step divided by the sales it accepted, in ms (a batch
    counts its sales); empty when nothing was accepted."""
    accepted = step["accepted"]
    if not accepted:
        return {}
    return {
        name: round(1000 * usage["cpu_seconds"] / accepted, 2)
        for name, usage in step["cpu"].items()
    }


FULL = 0.95
"""The share of the cores' CPU-seconds above which a step had no idle CPU left."""


def machine_full(step: dict[str, Any], cores: int) -> bool:
    """Whether the measured processes together used at least :data:`FULL` of the
    ``cores × seconds`` CPU-seconds the step had. Then their CPU per sale is about
    ``cores × seconds ÷ sales``, a bound the step's rate sets rather than what a sale costs:
    the pipeline spends whatever CPU is idle (at lower rates, smaller batches per poll)."""
    used = sum(usage["cpu_seconds"] for usage in step["cpu"].values())
    return bool(step["cpu"]) and used >= FULL * cores * step["seconds"]


def _cpu_note(step: dict[str, Any], cores: int) -> str:
    per_sale = cpu_ms_per_sale(step)
    if not per_sale:
        return ""
    full = " (the cores were full: a bound set by the rate, not a cost)"
    return f"; CPU {sum(per_sale.values()):.1f} ms per sale at {step['rate']:,.0f}/s" + (
        full if machine_full(step, cores) else ""
    )


def _saturation(result: dict[str, Any]) -> list[Judgement]:
    cores = result["machine"]["cores"]
    options = result["options"]
    asked = (
        f"end-to-end saturation ≥ {SATURATION:,.0f}/s one by one (floor {SATURATION_FLOOR:,.0f})"
    )
    ratio_asked = f"ratio to pgbench TPS ≥ {RATIO}"
    if options["batch"]:
        why = "not measured: this run posted batches"
        return [Judgement(asked, why, "not measured"), Judgement(ratio_asked, why, "not measured")]
    unlike = [
        name
        for name, wanted in (("--campaign", options["campaign"]), ("--coupons", options["coupons"]))
        if not wanted
    ]
    caveat = f" (without {' '.join(unlike)}, which the target includes)" if unlike else ""
    best = max(_sustained(result), key=lambda step: step["rate"], default=None)
    if best is None:
        why = "no step was sustained"
        return [Judgement(asked, why, "not met"), Judgement(ratio_asked, why, "not met")]
    # the last step sustained: the run stopped below saturation, so only "met" is a verdict
    bounded = best is result["steps"][-1]
    higher = (
        f"; ramp on: `make bench RAMP={best['rate']:g}:{4 * best['rate']:g}:{best['rate']:g} "
        'DURATION=60 BENCH_ARGS="--campaign --coupons"`'
        if bounded
        else ""
    )
    bound = " (a lower bound: the last step was sustained)" if bounded else ""
    measured = f"{best['rate']:,.0f}/s sustained, {best['e2e_per_second']:,.1f} e2e/s{bound}"
    verdict = _by_floor(best["e2e_per_second"], SATURATION, SATURATION_FLOOR)
    rows = [
        Judgement(
            asked,
            measured + caveat + _cpu_note(best, cores) + higher,
            "not measured" if bounded and verdict != "met" else verdict,
        )
    ]
    ratio = result["ratio"]
    if ratio is None:
        rows.append(Judgement(ratio_asked, "no pgbench in this run", "not measured"))
    else:
        tps = result["pgbench"]["tps"]
        met = ratio >= RATIO
        rows.append(
            Judgement(
                ratio_asked,
                f"{ratio:.3f} ({best['e2e_per_second']:,.1f} ÷ {tps:,.0f} TPS){caveat}{bound}",
                "met" if met else "not measured" if bounded else "not met",
            )
        )
    return rows


def _latency(result: dict[str, Any]) -> list[Judgement]:
    cores = result["machine"]["cores"]
    asked = (
        f"at {LATENCY_SHARE:.0%} of saturation: ingest p99 ≤ {INGEST_P99_MS:g} ms, points "
        f"visible p99 ≤ {VISIBLE_P99_MS:g} ms, notification queued p99 ≤ {NOTIFIED_P99_MS:g} ms"
    )
    saturation = result["options"].get("saturation")
    sustained = _sustained(result)
    if saturation is None and sustained and sustained[-1] is not result["steps"][-1]:
        saturation = result["saturation"]["rate"]  # found: a higher step was not sustained
    if not saturation:
        return [
            Judgement(
                asked,
                "no saturation known: a ramp finds it (a step not sustained), or give an "
                "earlier one with --saturation",
                "not measured",
            )
        ]
    ceiling = LATENCY_SHARE * saturation * 1.05  # a step a little over 70 % still counts
    steps = [step for step in _sustained(result) if step["rate"] <= ceiling]
    if not steps:
        rate = round(LATENCY_SHARE * saturation)
        return [
            Judgement(
                asked,
                f"no sustained step at or below {LATENCY_SHARE:.0%} of {saturation:,.0f}/s: "
                f'`make bench RATE={rate} DURATION=60 BENCH_ARGS="--saturation {saturation:g} '
                '--campaign --coupons"`',
                "not measured",
            )
        ]
    step = max(steps, key=lambda s: s["rate"])
    figures = {
        "ingest": (step["ingest"], INGEST_P99_MS),
        "points visible": (step["points_visible"], VISIBLE_P99_MS),
        "notification": (step["notified"], NOTIFIED_P99_MS),
    }
    met = all(
        summary.get("count") and summary["p99"] <= limit for summary, limit in figures.values()
    )
    measured = ", ".join(
        f"{name} p99 {summary['p99']:,.0f} ms" if summary.get("count") else f"{name}: none"
        for name, (summary, _) in figures.items()
    )
    return [
        Judgement(
            asked,
            f"at {step['rate']:,.0f}/s of {saturation:,.0f}/s: {measured}{_cpu_note(step, cores)}",
            "met" if met else "not met",
        )
    ]


def _batches(result: dict[str, Any]) -> list[Judgement]:
    cores = result["machine"]["cores"]
    asked = f"batches ≥ {BATCH:,.0f} sales/s end to end (floor {BATCH_FLOOR:,.0f})"
    if not result["options"]["batch"]:
        command = 'make bench RATE=10000 BATCH=500 DURATION=30 BENCH_ARGS="--drain 240"'
        return [Judgement(asked, f"not measured: `{command}`", "not measured")]
    best = max(_sustained(result), key=lambda step: step["rate"], default=None)
    if best is None:
        top = max(result["steps"], key=lambda step: step["e2e_per_second"])
        return [
            Judgement(
                asked,
                f"no step sustained; best {top['e2e_per_second']:,.1f} e2e/s"
                + _cpu_note(top, cores),
                _by_floor(top["e2e_per_second"], BATCH, BATCH_FLOOR),
            )
        ]
    return [
        Judgement(
            asked,
            f"{best['e2e_per_second']:,.1f} e2e/s at {best['rate']:,.0f}/s offered"
            + _cpu_note(best, cores),
            _by_floor(best["e2e_per_second"], BATCH, BATCH_FLOOR),
        )
    ]


def _reads(result: dict[str, Any]) -> list[Judgement]:
    asked = (
        f"balance reads ≥ {READS:,.0f}/s, p99 ≤ {READS_P99_MS:g} ms, while "
        f"{READS_WHILE:,.0f} purchases/s are ingested (floor {READS_FLOOR:,.0f}/s)"
    )
    steps = [step for step in result["steps"] if step["reads"]]
    if not steps:
        return [Judgement(asked, "not measured: `make bench RATE=500 READS=5000`", "not measured")]
    step = max(steps, key=lambda s: (s["rate"], s["reads"]["per_second"]))
    reads = step["reads"]
    p99 = reads["latency"].get("p99") if reads["latency"].get("count") else None
    measured = (
        f"{reads['per_second']:,.0f} reads/s, p99 "
        f"{'–' if p99 is None else format(p99, ',.1f')} ms, at {step['rate']:,.0f} purchases/s"
    )
    if step["rate"] < READS_WHILE:
        return [Judgement(asked, measured + f" (below the {READS_WHILE:,.0f}/s asked)", "not met")]
    fast = p99 is not None and p99 <= READS_P99_MS
    verdict = _by_floor(reads["per_second"], READS, READS_FLOOR) if fast else "not met"
    return [Judgement(asked, measured, verdict)]


def _data_size() -> list[Judgement]:
    return [
        Judgement(
            f"10k → 1M members: saturation drops ≤ {DATA_SIZE_DROP:.0%}, three runs each",
            "not decided by one run: run `make bench MEMBERS=10000 RAMP=60:260:20 DURATION=60 "
            'BENCH_ARGS="--bulk-members --no-sms-consent"` three times, the same with '
            "MEMBERS=1000000 three times, then `make bench-compare` on their JSON files",
            "not measured",
        )
    ]


def judge(result: dict[str, Any]) -> list[Judgement]:
    """Every target of issue 19 against ``result`` (``bench.run``'s dict). With the run's
    ``saturation`` option (sales/s found by an earlier ramp), a constant run at 70 % of it
    is judged against the latency targets."""
    return [
        *_saturation(result),
        *_latency(result),
        *_batches(result),
        *_reads(result),
        *_data_size(),
    ]

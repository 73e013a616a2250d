"""The run's record: a JSON result, a markdown summary and a latency-over-time plot.

Every report names the exact command and the machine it ran on.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import matplotlib
import orjson
import psutil

from bench import targets

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt


def machine() -> dict[str, Any]:
    cpu_model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model or platform.processor(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def revision() -> str:
    """The commit the code ran at, marked ``+dirty`` when the tree had changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit


def command() -> str:
    """How this run was started: ``make bench …`` if make said so, else the python command."""
    python = " ".join(["python", "-m", "bench", *sys.argv[1:]])
    invoked = os.environ.get("BENCH_INVOKED_AS", "").strip()
    return f"{invoked}  (runs: {python})" if invoked else python


def write(result: dict[str, Any], directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / result["started_at"].replace(":", "").replace("-", "")
    paths = {"json": stem.with_suffix(".json"), "md": stem.with_suffix(".md")}
    paths["png"] = stem.with_suffix(".png")
    result["files"] = {kind: path.name for kind, path in paths.items()}
    paths["json"].write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    paths["md"].write_text(markdown(result))
    plot(result, paths["png"])
    return paths


def _ms(summary: dict[str, Any] | None, key: str) -> str:
    if not summary or not summary.get("count"):
        return "–"
    return f"{summary[key]:.1f}"


def _figure(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"# Benchmark {result['started_at']}",
        "",
        f"- command: `{result['command']}`",
        f"- code: {result['revision']}",
        f"- machine: {m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, "
        f"Python {m['python']}, {m['os']}; load average at start {m['load_average_at_start']}",
        f"- stack: {result['stack']}; {result['members']:,} members, {result['stores']} stores",
        f"- end-to-end clock: {result['clock']}",
    ]
    pgbench = result.get("pgbench")
    if pgbench:
        lines.append(
            f"- pgbench: {pgbench['tps']:,.1f} TPS "
            f"(`{pgbench['command']}`, scale {pgbench['scale']})"
        )
    saturation = result["saturation"]
    lines += [
        "",
        "## Headline",
        "",
        "| figure | value |",
        "|---|---|",
        f"| highest rate sustained (offered sales/s) | {_figure(saturation['rate'])} |",
        f"| end-to-end purchases/s at that rate | {_figure(saturation['e2e_per_second'])} |",
        f"| ratio end-to-end purchases/s ÷ pgbench TPS | "
        f"{'–' if result['ratio'] is None else format(result['ratio'], '.3f')} |",
        "",
        "## Targets (issue 19)",
        "",
        "| target | measured by this run | verdict |",
        "|---|---|---|",
        *(f"| {row.target} | {row.measured} | {row.verdict} |" for row in targets.judge(result)),
        "",
        "## Steps",
        "",
        "| offered/s | s | accepted/s | errors | ingest p50 / p99 / p99.9 ms | "
        "points visible p50 / p99 ms | notification p50 / p99 ms | e2e/s | reads/s, p99 ms | "
        "max backlog | sustained |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for step in result["steps"]:
        ingest, visible, notified = step["ingest"], step["points_visible"], step["notified"]
        reads = step["reads"]
        read_figure = (
            f"{reads['per_second']:,.0f}, {_ms(reads['latency'], 'p99')}" if reads else "–"
        )
        verdict = "yes" if step["sustained"] else "no: " + "; ".join(step["why_not"])
        lines.append(
            f"| {step['rate']:,.0f} | {step['seconds']:g} | {step['accepted_per_second']:,.1f} | "
            f"{sum(step['errors'].values())} | {_ms(ingest, 'p50')} / {_ms(ingest, 'p99')} / "
            f"{_ms(ingest, 'p99.9')} | {_ms(visible, 'p50')} / {_ms(visible, 'p99')} | "
            f"{_ms(notified, 'p50')} / {_ms(notified, 'p99')} | {step['e2e_per_second']:,.1f} | "
            f"{read_figure} | {step['backlog_max']:,} | {verdict} |"
        )
    last = result["steps"][-1] if result["steps"] else None
    if last:
        lines += [
            "",
            f"## CPU during the last step ({last['rate']:,.0f}/s offered)",
            "",
            "| process | CPU s | % of one core | ms per accepted sale |",
            "|---|---|---|---|",
        ]
        per_sale = targets.cpu_ms_per_sale(last)
        for name, usage in sorted(last["cpu"].items(), key=lambda item: -item[1]["cpu_seconds"]):
            lines.append(
                f"| {name} | {usage['cpu_seconds']:.1f} | {usage['percent_of_a_core']:.0f}% | "
                f"{_figure(per_sale.get(name))} |"
            )
        lines.append(f"| all | | | {_figure(round(sum(per_sale.values()), 2))} |")
        cores = result["machine"]["cores"]
        if targets.machine_full(last, cores):
            lines += [
                "",
                f"The processes used at least {targets.FULL:.0%} of the {cores} cores' CPU in "
                "this step: its CPU per sale is the step's rate's bound, not what a sale "
                "costs. Read a cost at a step with idle CPU.",
            ]
        lines += _statements(last)
        lag = last["generator_send_lag"]
        lines += [
            "",
            f"Generator send lag (actual − intended send time) p99 {_ms(lag, 'p99')} ms, "
            f"max {_ms(lag, 'max')} ms: a large lag means the generator, not the system, "
            "was short of CPU.",
        ]
    lines += ["", f"Plot: {result['files']['png']}", ""]
    return "\n".join(lines)


def _statements(step: dict[str, Any]) -> list[str]:
    """PostgreSQL's top statements of the step (``--pg-statements``), per accepted sale."""
    measured = step.get("pg_statements")
    if not measured or not step["accepted"]:
        return []
    sales = step["accepted"]
    lines = [
        "",
        f"### PostgreSQL's statements during the step (pg_stat_statements): "
        f"{measured['calls'] / sales:.1f} statements and {measured['exec_ms'] / sales:.2f} ms "
        "of execution per accepted sale",
        "",
        "| statement | calls per sale | ms per sale | share of execution |",
        "|---|---|---|---|",
    ]
    for row in measured["top"]:
        query = row["query"].replace("|", "\\|")
        share = row["exec_ms"] / measured["exec_ms"] if measured["exec_ms"] else 0.0
        lines.append(
            f"| `{query}` | {row['calls'] / sales:.2f} | {row['exec_ms'] / sales:.3f} | "
            f"{share:.0%} |"
        )
    return lines


def plot(result: dict[str, Any], path: Path) -> None:
    series = result["series"]
    figure, (latency, backlog) = plt.subplots(
        2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    for name, label in (("ingest", "ingest"), ("points_visible", "points visible")):
        points = series[name]
        seconds = [point["second"] for point in points]
        for percentile, style in (("p50", "-"), ("p99", "--")):
            latency.plot(
                seconds, [p[percentile] for p in points], style, label=f"{label} {percentile}"
            )
    latency.set_yscale("log")
    latency.set_ylabel("latency, ms (from intended start)")
    latency.set_title(f"Huiyuan purchase pipeline — {result['started_at']}")
    latency.legend(loc="upper left", fontsize="small")
    latency.grid(True, which="both", alpha=0.3)
    samples = series["backlog"]
    backlog.plot([s["second"] for s in samples], [s["backlog"] for s in samples], color="black")
    backlog.set_ylabel("backlog (sales)")
    backlog.set_xlabel("seconds since the load started")
    backlog.grid(True, alpha=0.3)
    for step in result["steps"]:
        for axis in (latency, backlog):
            axis.axvline(step["starts_at_second"], color="grey", alpha=0.3)
    command = textwrap.fill(result["command"], 160)
    figure.text(0.01, 0.005, command, fontsize="x-small", family="monospace")
    figure.tight_layout(rect=(0, 0.02 * (command.count("\n") + 1), 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)

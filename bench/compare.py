"""``python -m bench.compare RESULT.json ...``: runs of ``make bench`` side by side.

Groups the runs that found a saturation posted one by one (a step not sustained above a
sustained one; batch runs and runs whose last step was still sustained are left out, and
said so) by member count, gives each group's median saturation (end-to-end purchases/s of
the highest sustained step), its run-to-run spread (min–max as a share of
the median) and the drop from the smallest population to the largest, judged against
issue 19's target (at most 15 % from 10,000 to 1,000,000 members). A single run per size
says nothing about variation, so the verdict asks for three.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from bench.targets import DATA_SIZE_DROP

RUNS_PER_SIZE = 3


@dataclass(frozen=True)
class Group:
    """The runs at one population: saturation (e2e purchases/s) of each, in file order."""

    members: int
    saturations: list[float]
    files: list[str]

    @property
    def median(self) -> float:
        return statistics.median(self.saturations)

    @property
    def spread(self) -> float:
        """(max − min) ÷ median; 0 for one run."""
        return (max(self.saturations) - min(self.saturations)) / self.median if self.median else 0


def saturation(result: dict[str, Any]) -> float:
    """End-to-end purchases/s of the run's highest sustained step; 0 if none was."""
    value = result["saturation"]["e2e_per_second"]
    return float(value) if value else 0.0


def left_out(result: dict[str, Any]) -> str | None:
    """Why a run says nothing of saturation one by one, or ``None`` if it does."""
    if result.get("options", {}).get("batch"):
        return "posted batches"
    steps = result.get("steps", [])
    if not saturation(result):
        return "no step was sustained"
    if steps and steps[-1]["sustained"]:
        return "its last step was sustained (saturation not reached)"
    return None


def groups(results: list[tuple[str, dict[str, Any]]]) -> list[Group]:
    """The runs that found a saturation one by one, grouped by member count, smallest
    population first (see :func:`left_out` for the others)."""
    by_size: dict[int, Group] = {}
    for name, result in results:
        if left_out(result) is not None:
            continue
        group = by_size.setdefault(result["members"], Group(result["members"], [], []))
        group.saturations.append(saturation(result))
        group.files.append(name)
    return [by_size[size] for size in sorted(by_size)]


def verdict(sizes: list[Group]) -> tuple[float | None, str]:
    """The drop of median saturation from the smallest to the largest population and the
    verdict: "met", "not met", or why it is not decided."""
    if len(sizes) < 2:
        return None, "not decided: runs at two populations are needed"
    small, large = sizes[0], sizes[-1]
    if not small.median:
        return None, "not decided: no step of the smallest population was sustained"
    drop = 1 - large.median / small.median
    if min(len(group.saturations) for group in (small, large)) < RUNS_PER_SIZE:
        return drop, f"not decided: {RUNS_PER_SIZE} runs per population measure the variation"
    return drop, "met" if drop <= DATA_SIZE_DROP else "not met"


def markdown(sizes: list[Group]) -> str:
    lines = [
        "| members | runs | saturation e2e/s (each) | median | spread (max−min)/median |",
        "|---|---|---|---|---|",
    ]
    for group in sizes:
        each = ", ".join(f"{value:,.1f}" for value in group.saturations)
        lines.append(
            f"| {group.members:,} | {len(group.saturations)} | {each} | {group.median:,.1f} | "
            f"{group.spread:.0%} |"
        )
    drop, judged = verdict(sizes)
    if judged in ("met", "not met") and drop is not None:
        lines += ["", f"Drop from the smallest to the largest population: {drop:.1%} — {judged}."]
    else:
        lines += ["", f"Drop from the smallest to the largest population: {judged}."]
    return "\n".join(lines)


def main(
    results: Annotated[list[Path], typer.Argument(help="bench/results/*.json of the runs")],
) -> None:
    """Print the runs' saturation by population, its spread and the data-size verdict."""
    loaded = [(path.name, orjson.loads(path.read_bytes())) for path in results]
    for name, result in loaded:
        why = left_out(result)
        if why is not None:
            typer.echo(f"left out {name}: {why}")
    typer.echo(markdown(groups(loaded)))


if __name__ == "__main__":
    typer.run(main)

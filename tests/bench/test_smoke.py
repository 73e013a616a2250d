"""A few seconds of the whole benchmark: its own embedded stack, members, pgbench, load,
and a report whose figures match what was sent."""

from __future__ import annotations

from pathlib import Path

import orjson

from bench.run import Options, run


def test_a_short_run_reports_every_sale_through_to_its_points(tmp_path: Path) -> None:
    """With the several-rule program, so the rule set the bench puts is one loyalty takes."""
    options = Options(
        rate=10,
        duration=3,
        members=20,
        stores=2,
        reads=5,
        pgbench_seconds=1,
        drain_seconds=60,
        results_dir=tmp_path / "results",
        several_rules=True,
    )
    said: list[str] = []

    result, paths = run(options, said.append)

    written = orjson.loads(paths["json"].read_bytes())
    assert written["steps"] == result["steps"]
    (step,) = written["steps"]
    assert step["sent"] == 30
    assert step["accepted"] == 30
    assert step["errors"] == {}
    assert step["ingest"]["count"] == 30
    assert step["visible_count"] == step["notified_count"] == 30
    assert step["points_visible"]["p50"] > 0
    assert step["reads"]["ok"] == 15
    assert 0 < step["reads"]["per_second"] <= 5  # only reads answered while the step ran
    assert written["clock"].startswith("commit timestamps")
    assert written["pgbench"]["tps"] > 0
    assert written["ratio"] > 0
    assert written["members"] == 20
    assert written["machine"]["cores"] >= 1
    assert "python -m bench" in written["command"]
    assert {"orders", "loyalty", "messaging", "postgres", "generator"} <= set(step["cpu"])
    assert sum(point["count"] for point in written["series"]["points_visible"]) == 30
    summary = paths["md"].read_text()
    assert written["command"] in summary
    assert "| 10 | 3 | 10.0 |" in summary
    assert paths["png"].read_bytes().startswith(b"\x89PNG")

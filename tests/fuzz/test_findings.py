"""What two pytest-xdist workers' fuzz saw adds up on the controller, as sent between them."""

from __future__ import annotations

import json

from tests.fuzz.findings import Finding, Findings

CRASH = Finding("orders", "POST /purchases", "server error", "500: KeyError: …")
STATUS = Finding("loyalty", "GET /program/tiers", "undocumented http status code", "418 …")


def _worker(cases: int, crashes: int) -> Findings:
    findings = Findings()
    findings.cases[("orders", "POST /purchases")] += cases
    findings.statuses[422] += cases - crashes
    findings.statuses[500] += crashes
    for number in range(crashes):
        findings.record(CRASH, f"case {number}")
    return findings


def test_workers_findings_add_up_as_sent() -> None:
    first, second = _worker(cases=200, crashes=2), _worker(cases=150, crashes=1)
    second.cases[("loyalty", "GET /program/tiers")] += 90
    second.record(STATUS, "as member")
    total = Findings()
    for worker in (first, second):
        # what execnet carries is plain JSON-like data
        total.merge(Findings.from_lists(json.loads(json.dumps(worker.as_lists()))))

    assert total.cases == {
        ("orders", "POST /purchases"): 350,
        ("loyalty", "GET /program/tiers"): 90,
    }
    assert total.statuses == {422: 347, 500: 3}
    assert total.counts == {CRASH: 3, STATUS: 1}
    assert total.examples == {CRASH: "case 0", STATUS: "as member"}
    assert total.summary().startswith("440 cases over 2 operations (loyalty 90, orders 350)")

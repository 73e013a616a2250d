"""Seed 003's KPIs of a cohort, from real events, against counts made by hand.

The campaign runs 2011-03-01..07 (Asia/Shanghai), so before is 02-22..28 and after
03-08..14; times are noon in Shanghai (04:00 UTC). Five participants:

- A bought 02-25 (10,000), 03-03 (20,000) and 03-10 (25,000); answered surveys 02-28
  (score 1) and 03-05 (5): a repeat buyer, satisfied.
- B bought 03-02 (15,000, 5,000 of it returned) and nothing after; answered 03-09 (2) and
  03-12 (4): churned, satisfied (the latest answer counts).
- C bought 02-15, before the before window, and never again: churned; referred friend F,
  who registered 03-04 and first paid 03-06: C is a referrer.
- D never bought; answered 03-06 (3): surveyed, not satisfied, neither repeat nor churned.
- E's only purchase (03-04) was voided: it counts nowhere.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from shared.events import CloudEvent
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply
from tests.stack import member_headers


def _noon(day: str) -> datetime:
    return datetime.fromisoformat(f"2011-{day}T04:00:00").replace(tzinfo=UTC)


CAMPAIGN = {"first_day": "2011-03-01", "last_day": "2011-03-07"}


@pytest.fixture(scope="module")
def people() -> dict[str, uuid.UUID]:
    return {name: uuid.uuid4() for name in "ABCDEF"}


@pytest.fixture(scope="module")
def history(people: dict[str, uuid.UUID]) -> list[CloudEvent]:
    """The events, made once: every test applies them again, and each fact is kept once
    per purchase, return, void, survey and referral, so the counts stay as they are."""
    a, b, c, d, e, f = (people[name] for name in "ABCDEF")
    b_sale = events.purchase(b, 15_000, at=_noon("03-02"))
    e_sale = events.purchase(e, 9_000, at=_noon("03-04"))
    return [
        events.purchase(a, 10_000, at=_noon("02-25")),
        events.purchase(a, 20_000, at=_noon("03-03")),
        events.purchase(a, 25_000, at=_noon("03-10")),
        events.surveyed(a, 1, _noon("02-28")),
        events.surveyed(a, 5, _noon("03-05")),
        b_sale,
        events.returned(b_sale, 5_000),
        events.surveyed(b, 2, _noon("03-09")),
        events.surveyed(b, 4, _noon("03-12")),
        events.purchase(c, 8_000, at=_noon("02-15")),
        events.referred(f, c, _noon("03-04")),
        events.qualified(f, c, _noon("03-06")),
        events.surveyed(d, 3, _noon("03-06")),
        e_sale,
        events.voided(e_sale),
    ]


@pytest.fixture
async def loaded(
    people: dict[str, uuid.UUID],
    history: list[CloudEvent],
    analytics_sessions: Sessions,
    handlers: Feed,
) -> dict[str, uuid.UUID]:
    await apply(analytics_sessions, handlers, *history)
    return people


async def _kpis(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/cohorts/kpis", json=body, headers=ANALYST)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _window(answer: dict[str, Any], name: str) -> tuple[Any, ...]:
    w = answer[name]
    return (
        w["first_day"],
        w["last_day"],
        w["purchases"],
        w["net_sales_fen"],
        w["interactions"],
        w["interaction_frequency"],
    )


async def test_the_kpis_of_listed_members(
    client: httpx.AsyncClient, loaded: dict[str, uuid.UUID]
) -> None:
    cohort = {"kind": "members", "members": [str(loaded[name]) for name in "ABCDEA"]}
    answer = await _kpis(client, {"cohort": cohort, **CAMPAIGN})
    assert answer["participants"] == 5  # A listed twice counts once
    assert (answer["surveyed"], answer["satisfied"], answer["satisfaction"]) == (3, 2, 0.4)
    assert (answer["repeat_buyers"], answer["repeat_purchase_rate"]) == (1, 0.2)
    assert (answer["churn_days"], answer["churned"], answer["churn_rate"]) == (7, 2, 0.4)
    assert (answer["referrers"], answer["referral_rate"]) == (1, 0.2)
    # interactions = purchases + survey answers + friends referred; × 30 / (5 × 7)
    assert _window(answer, "before") == ("2011-02-22", "2011-02-28", 1, 10_000, 2, 1.7143)
    assert _window(answer, "during") == ("2011-03-01", "2011-03-07", 2, 30_000, 5, 4.2857)
    assert _window(answer, "after") == ("2011-03-08", "2011-03-14", 1, 25_000, 3, 2.5714)
    assert (answer["sales_lift_during"], answer["sales_lift_after"]) == (2.0, 1.5)
    assert answer["complete"] is True


async def test_a_longer_churn_window_keeps_nobody_who_bought_later_out(
    client: httpx.AsyncClient, loaded: dict[str, uuid.UUID]
) -> None:
    cohort = {"kind": "members", "members": [str(loaded["B"])]}
    answer = await _kpis(client, {"cohort": cohort, **CAMPAIGN, "churn_days": 366})
    assert (answer["participants"], answer["churned"], answer["churn_days"]) == (1, 1, 366)


async def test_the_campaign_buyers_are_the_cohort(
    client: httpx.AsyncClient, loaded: dict[str, uuid.UUID]
) -> None:
    answer = await _kpis(client, {"cohort": {"kind": "campaign_buyers"}, **CAMPAIGN})
    # A and B bought during the campaign; E's sale was voided
    assert answer["participants"] == 2
    assert (answer["satisfied"], answer["satisfaction"]) == (2, 1.0)
    assert (answer["repeat_purchase_rate"], answer["churn_rate"]) == (0.5, 0.5)
    assert answer["referral_rate"] == 0.0
    assert _window(answer, "before")[2:5] == (1, 10_000, 2)
    assert _window(answer, "during")[2:5] == (2, 30_000, 3)
    assert _window(answer, "after")[2:5] == (1, 25_000, 3)


async def test_a_loyalty_campaigns_participants_are_the_cohort(
    client: httpx.AsyncClient,
    loaded: dict[str, uuid.UUID],
    history: list[CloudEvent],
    analytics_sessions: Sessions,
    handlers: Feed,
) -> None:
    campaign, other = uuid.uuid4(), uuid.uuid4()
    a_during, c_before, e_voided = history[1], history[9], history[13]
    reached = [
        events.earned(a_during, campaign, other),
        events.earned(c_before, campaign),  # a sale it reached counts whenever it was
        events.earned(e_voided, campaign),  # a voided sale takes part in nothing
        events.earned(history[0]),  # reached by no campaign
    ]
    await apply(analytics_sessions, handlers, *reached, *reached)  # redelivered: once
    answer = await _kpis(
        client, {"cohort": {"kind": "campaign", "campaign_id": str(campaign)}, **CAMPAIGN}
    )
    assert answer["participants"] == 2  # A and C
    assert (answer["repeat_buyers"], answer["churned"]) == (1, 1)
    assert (answer["referrers"], answer["referral_rate"]) == (1, 0.5)  # C brought F
    assert _window(answer, "during")[2:4] == (1, 20_000)
    alone = await _kpis(
        client, {"cohort": {"kind": "campaign", "campaign_id": str(other)}, **CAMPAIGN}
    )
    assert alone["participants"] == 1
    nobody = await _kpis(
        client, {"cohort": {"kind": "campaign", "campaign_id": str(uuid.uuid4())}, **CAMPAIGN}
    )
    assert nobody["participants"] == 0


async def test_an_empty_cohort_has_zero_rates(client: httpx.AsyncClient) -> None:
    cohort = {"kind": "members", "members": [str(uuid.uuid4())]}
    answer = await _kpis(client, {"cohort": cohort, **CAMPAIGN})
    assert answer["participants"] == 1
    assert answer["satisfaction"] == answer["churn_rate"] == answer["repeat_purchase_rate"] == 0
    assert answer["sales_lift_during"] is None  # no sales before: no baseline


@pytest.mark.parametrize(
    ("body", "location", "kind"),
    [
        (
            {"first_day": "2011-03-07", "last_day": "2011-03-01"},
            "body.last_day",
            "campaign-period-invalid",
        ),
        (
            {"first_day": "2011-01-01", "last_day": "2012-03-01"},
            "body.last_day",
            "campaign-period-invalid",
        ),
        ({"cohort": {"kind": "members", "members": []}}, "body.cohort.members", "invalid-request"),
        ({"cohort": {"kind": "segment"}}, "body.cohort", "invalid-request"),
        ({"churn_days": 0}, "body.churn_days", "invalid-request"),
        ({"first_day": "1999-12-31"}, "body.first_day", "invalid-request"),
    ],
)
async def test_bad_requests_name_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], location: str, kind: str
) -> None:
    request = {"cohort": {"kind": "campaign_buyers"}, **CAMPAIGN} | body
    response = await client.post("/cohorts/kpis", json=request, headers=ANALYST)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith(kind)
    assert any(e["location"].startswith(location) for e in problem["errors"]), problem


async def test_members_may_not_read_cohorts(client: httpx.AsyncClient) -> None:
    body = {"cohort": {"kind": "campaign_buyers"}, **CAMPAIGN}
    response = await client.post("/cohorts/kpis", json=body, headers=member_headers(uuid.uuid4()))
    assert response.status_code == 403


async def test_the_kpis_as_one_csv_row(
    client: httpx.AsyncClient, loaded: dict[str, uuid.UUID]
) -> None:
    body = {"cohort": {"kind": "campaign_buyers"}, **CAMPAIGN}
    as_json = await _kpis(client, body)
    for asked in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        params, headers = asked.get("params", {}), ANALYST | asked.get("headers", {})
        response = await client.post("/cohorts/kpis", json=body, params=params, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        header, row = list(csv.reader(io.StringIO(response.text)))
        found = dict(zip(header, row, strict=True))
        assert found["participants"] == "2"
        assert found["sales_lift_during"] == str(as_json["sales_lift_during"])
        assert found["complete"] == "true"
        # each window's figures, prefixed with its name
        assert (found["before_first_day"], found["before_net_sales_fen"]) == ("2011-02-22", "10000")
        assert (found["during_purchases"], found["after_net_sales_fen"]) == ("2", "25000")
        assert "before" not in header

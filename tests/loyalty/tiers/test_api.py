"""The tier policy and manual assignment over HTTP, and every bad input refused with a
problem naming it, nothing written."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.tiers.jobs import review_due
from services.loyalty.tiers.service import standing_of
from shared.db import Sessions
from shared.inputs import input_defaults
from tests.loyalty.conftest import (
    account_of,
    funded_member,
    handle,
    key,
    problem,
    published,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.stack import member_headers, staff_headers

MARKETING = staff_headers("marketing")
SERVICE = staff_headers("service")
POLICY = {
    "qualify_by": "spend_or_purchases",
    "window": "rolling_months",
    "window_months": 12,
    "grace_periods": 1,
    "purchase_thresholds": {"vip": 12, "star": 24, "angel": 48},
}
DEFAULT_POLICY = {"qualify_by": "spend", "window": "lifetime"}


async def test_the_policy_round_trips_and_defaults_to_lifetime_spend(
    client: httpx.AsyncClient,
) -> None:
    before = await client.get("/program/tier-policy", headers=SERVICE)
    assert before.status_code == 200, before.text
    assert {k: v for k, v in before.json().items() if k != "updated_at"} == {
        "qualify_by": "spend",
        "window": "lifetime",
        "window_months": None,
        "grace_periods": 0,
        "purchase_thresholds": {},
    }
    try:
        put = await client.put("/program/tier-policy", json=POLICY, headers=MARKETING)
        assert put.status_code == 200, put.text
        read = await client.get("/program/tier-policy", headers=SERVICE)
        assert {k: v for k, v in read.json().items() if k != "updated_at"} == POLICY
    finally:
        reset = await client.put("/program/tier-policy", json=DEFAULT_POLICY, headers=MARKETING)
        assert reset.status_code == 200, reset.text


async def test_bad_policies_are_refused_and_nothing_changes(client: httpx.AsyncClient) -> None:
    before = (await client.get("/program/tier-policy", headers=SERVICE)).json()
    cases: list[tuple[dict[str, Any], str]] = [
        ({**POLICY, "window": "weekly"}, "window"),
        ({**POLICY, "window_months": 0}, "window_months"),
        ({**POLICY, "grace_periods": 6}, "grace_periods"),
        ({**POLICY, "purchase_thresholds": {"vip": 0}}, "vip"),
        ({**POLICY, "purchase_thresholds": {"VIP!": 3}}, "purchase_thresholds"),
        ({**POLICY, "qualify_by": "visits"}, "qualify_by"),
        ({**POLICY, "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        answer = problem(
            await client.put("/program/tier-policy", json=body, headers=MARKETING), 422
        )
        assert field in str(answer), (body, answer)
    ruled: list[tuple[dict[str, Any], str]] = [
        ({**POLICY, "window": "calendar_year"}, "window_months is given exactly when"),
        ({**POLICY, "purchase_thresholds": {"gold": 3}}, "not on the ladder: gold"),
        ({**POLICY, "purchase_thresholds": {"vip": 5, "star": 4}}, "must rise with the ladder"),
        (
            {**POLICY, "qualify_by": "purchases", "purchase_thresholds": {"vip": 5}},
            "missing: star, angel",
        ),
    ]
    for body, detail in ruled:
        answer = problem(
            await client.put("/program/tier-policy", json=body, headers=MARKETING), 422
        )
        assert answer["type"] == "urn:huiyuan:problem:invalid-tier-policy"
        assert detail in answer["detail"]
    assert problem(await client.put("/program/tier-policy", json=POLICY, headers=SERVICE), 403)
    assert (await client.get("/program/tier-policy", headers=SERVICE)).json() == before


def _today() -> datetime:
    return datetime.combine(input_defaults().today(), time(), input_defaults().business_timezone)


async def test_a_manual_assignment_holds_through_returns_and_ends_by_qualification(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 150_000)  # vip by lifetime spend
    until = (_today() + timedelta(days=30)).date()
    body = {"tier_code": "angel", "until": until.isoformat(), "reason": "门店停业补偿"}
    headers = SERVICE | key()
    answer = await client.post(f"/members/{member}/tier-assignments", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assigned = answer.json()
    ends = _today() + timedelta(days=31)
    assert (assigned["from_tier"], assigned["tier_code"], assigned["assigned_by"]) == (
        "vip",
        "angel",
        "test-service",
    )
    assert datetime.fromisoformat(assigned["assigned_until"]) == ends
    again = await client.post(f"/members/{member}/tier-assignments", json=body, headers=headers)
    assert again.json() == assigned  # the retry answers the first, writes nothing new
    benefits = await client.get(f"/members/{member}/benefits", headers=SERVICE)
    assert benefits.json()["tier_code"] == "angel"
    assert datetime.fromisoformat(benefits.json()["assigned_until"]) == ends

    await review_due(loyalty_sessions, ends - timedelta(seconds=1))
    async with loyalty_sessions() as session:
        standing = await standing_of(session, member)
    assert standing is not None
    assert (standing.tier_code, standing.assigned_until) == ("angel", ends)

    await review_due(loyalty_sessions, ends)
    async with loyalty_sessions() as session:
        standing = await standing_of(session, member)
    assert standing is not None
    assert (standing.tier_code, standing.assigned_until, standing.review_at) == ("vip", None, None)
    changes = await published(loyalty_sessions, member, "loyalty.tier.changed")
    assert [(c["from_tier"], c["to_tier"], c["direction"], c["change"]) for c in changes] == [
        ("standard", "vip", "up", "upgrade"),
        ("vip", "angel", "up", "manual"),
        ("angel", "vip", "down", "manual"),
    ]
    assert datetime.fromisoformat(changes[1]["until"]) == ends
    async with loyalty_sessions() as session:
        audit = (
            await session.execute(
                text(
                    "SELECT tier_code, reason, assigned_by FROM loyalty.tier_assignments "
                    "WHERE member_id = :m"
                ),
                {"m": member},
            )
        ).all()
    assert [tuple(row) for row in audit] == [("angel", "门店停业补偿", "test-service")]


async def test_an_assignment_holds_where_a_lifetime_return_would_demote(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = uuid.uuid4()
    bought = purchase_event(member, 150_000)
    await handle(loyalty_sessions, bought)
    until = (_today() + timedelta(days=1)).date().isoformat()
    body = {"tier_code": "star", "until": until, "reason": "VIP活动"}
    answer = await client.post(
        f"/members/{member}/tier-assignments", json=body, headers=MARKETING | key()
    )
    assert answer.status_code == 201, answer.text
    await handle(loyalty_sessions, return_event(member, purchase_id_of(bought), 150_000, 150_000))
    held = await account_of(loyalty_sessions, member)
    assert held is not None
    assert (held.tier_code, held.qualifying_spend_fen) == ("star", 0)
    # a purchase reaching a higher tier than the assigned one ends the assignment
    await handle(loyalty_sessions, purchase_event(member, 2_000_000))
    async with loyalty_sessions() as session:
        standing = await standing_of(session, member)
    assert standing is not None
    assert (standing.tier_code, standing.assigned_until) == ("angel", None)


async def test_bad_assignments_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    today = _today().date()
    good = {"tier_code": "vip", "until": today.isoformat(), "reason": "补偿"}
    url = f"/members/{member}/tier-assignments"
    for body, where in [
        ({**good, "until": "2026-13-01"}, "until"),
        ({**good, "until": (today - timedelta(days=1)).isoformat()}, "until"),
        ({**good, "until": today.replace(year=today.year + 6).isoformat()}, "until"),
        ({**good, "tier_code": "gold"}, "tier_code"),
        ({**good, "tier_code": "VIP"}, "tier_code"),
        ({**good, "reason": "two\nlines"}, "reason"),
        ({**good, "reason": ""}, "reason"),
    ]:
        answer = problem(await client.post(url, json=body, headers=SERVICE | key()), 422)
        assert where in str(answer), (body, answer)
    missing_key = problem(await client.post(url, json=good, headers=SERVICE), 422)
    assert "Idempotency-Key" in missing_key["detail"]
    problem(await client.post(url, json=good, headers=member_headers(member) | key()), 403)
    problem(
        await client.post(
            f"/members/{uuid.uuid4()}/tier-assignments", json=good, headers=SERVICE | key()
        ),
        404,
    )
    async with loyalty_sessions() as session:
        standing = await standing_of(session, member)
    assert standing is not None
    assert (standing.tier_code, standing.assigned_until) == ("standard", None)
    assert [
        c["change"] for c in await published(loyalty_sessions, member, "loyalty.tier.changed")
    ] == []

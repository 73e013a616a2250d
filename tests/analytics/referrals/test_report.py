"""The referral report: registrations, referred registrations and what became of them per
month of the brand (Asia/Shanghai), from customer's and loyalty's events in any order;
bad ranges are refused naming the parameter. Counts by hand: January 4 registrations of
which 1 referred (qualified, rewarded); February 2, both referred (one registered at
16:30 UTC on 31 January, already February in Shanghai), one qualified; March none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberReferred
from shared.events.referrals import ReferralQualified, ReferralRewarded
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply
from tests.stack import member_headers

_COLUMNS = (
    "month",
    "registrations",
    "referred",
    "referral_rate",
    "qualified",
    "qualification_rate",
    "rewarded",
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _referred(friend: uuid.UUID, referrer: uuid.UUID, at: datetime) -> CloudEvent:
    payload = MemberReferred(member_id=friend, referrer_id=referrer, referred_at=at)
    return CloudEvent.of(payload, source="/huiyuan/customer")


def _about(friend: uuid.UUID, referrer: uuid.UUID) -> dict[str, object]:
    return {"referral_id": uuid.uuid4(), "member_id": referrer, "friend_member_id": friend}


def _qualified(friend: uuid.UUID, referrer: uuid.UUID, at: datetime) -> CloudEvent:
    payload = ReferralQualified.model_validate(
        _about(friend, referrer)
        | {"purchase_id": uuid.uuid4(), "spend_fen": 35_000, "purchased_at": at, "due_at": at}
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def _rewarded(friend: uuid.UUID, referrer: uuid.UUID, at: datetime) -> CloudEvent:
    payload = ReferralRewarded.model_validate(
        _about(friend, referrer)
        | {
            "purchase_id": uuid.uuid4(),
            "net_spend_fen": 35_000,
            "coupon_id": uuid.uuid4(),
            "definition_id": uuid.uuid4(),
            "reward_fen": 3_000,
            "rewarded_at": at,
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


async def test_the_referral_rate_per_month_and_over_the_range(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    referrer = uuid.uuid4()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    january = [events.registered(uuid.uuid4(), _at(f"2001-01-0{d} 04:00")) for d in (2, 3, 4)]
    feed = [
        *january,
        events.registered(a, _at("2001-01-10 04:00")),
        _referred(a, referrer, _at("2001-01-10 04:00")),
        _qualified(a, referrer, _at("2001-01-12 04:00")),
        _rewarded(a, referrer, _at("2001-01-20 04:00")),
        events.registered(b, _at("2001-01-31 16:30")),  # 1 February 00:30 in Shanghai
        _qualified(b, referrer, _at("2001-02-03 04:00")),  # loyalty's event first
        _referred(b, referrer, _at("2001-01-31 16:30")),
        events.registered(c, _at("2001-02-10 04:00")),
        _referred(c, referrer, _at("2001-02-10 04:00")),
    ]
    await apply(analytics_sessions, handlers, *feed)
    await apply(analytics_sessions, handlers, feed[-1])  # a redelivery changes nothing

    response = await client.get(
        "/reports/referrals", params={"from": "2001-01", "to": "2001-03"}, headers=ANALYST
    )
    assert response.status_code == 200, response.text
    report = response.json()
    rows = [tuple(m[name] for name in _COLUMNS) for m in [*report["months"], report["total"]]]
    assert rows == [
        ("2001-01", 4, 1, 0.25, 1, 1.0, 1),
        ("2001-02", 2, 2, 1.0, 1, 0.5, 0),
        ("2001-03", 0, 0, 0.0, 0, 0.0, 0),
        ("2001-01..2001-03", 6, 3, 0.5, 2, 0.6667, 1),
    ]
    table = await client.get(
        "/reports/referrals",
        params={"from": "2001-01", "to": "2001-03", "format": "csv"},
        headers=ANALYST,
    )
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    assert table.text == (
        "month,registrations,referred,referral_rate,qualified,qualification_rate,rewarded\r\n"
        "2001-01,4,1,0.25,1,1.0,1\r\n2001-02,2,2,1.0,1,0.5,0\r\n2001-03,0,0,0.0,0,0.0,0\r\n"
        "2001-01..2001-03,6,3,0.5,2,0.6667,1\r\n"
    )


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"from": "2001-03", "to": "2001-01"}, "query.to"),
        ({"from": "2001-01", "to": "2004-01"}, "query.to"),  # 37 months
        ({"from": "2001-13", "to": "2001-01"}, "query.from"),
        ({"from": "2001-1", "to": "2001-01"}, "query.from"),
        ({"from": "2001-01"}, "query.to"),
    ],
)
async def test_bad_ranges_are_refused_naming_the_parameter(
    client: httpx.AsyncClient, params: dict[str, str], location: str
) -> None:
    response = await client.get("/reports/referrals", params=params, headers=ANALYST)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert location in [error["location"] for error in response.json()["errors"]]


async def test_only_analysts_and_marketing_read_it(client: httpx.AsyncClient) -> None:
    params = {"from": "2001-01", "to": "2001-01"}
    member = await client.get(
        "/reports/referrals", params=params, headers=member_headers(uuid.uuid4())
    )
    assert member.status_code == 403

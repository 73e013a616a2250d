"""The referral reward policy over HTTP: set by marketing (bands lowest first, a version
per change), read by staff; bad policies are refused naming the field and change
nothing. And the pure rules: bands, the window, the brand's month."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.loyalty.coupon_bands.domain import Band
from services.loyalty.referrals import domain
from services.loyalty.referrals.domain import Policy, Reward, Settled
from tests.loyalty.conftest import problem
from tests.loyalty.coupons.test_api import MARKETING
from tests.loyalty.referrals.conftest import SetBands
from tests.stack import member_headers, staff_headers

A, B, C = (uuid.uuid4() for _ in range(3))
SEED = Policy(bands=(Band(10_000, A), Band(30_000, B), Band(80_000, C)), monthly_cap=3, version=1)


@pytest.mark.parametrize(
    ("spend", "returned", "decision"),
    [
        (9_999, 0, Settled("cancelled", "below_lowest_band")),
        (10_000, 0, Reward(Band(10_000, A))),
        (35_000, 6_000, Reward(Band(10_000, A))),  # 29,000 net
        (35_000, 5_000, Reward(Band(30_000, B))),  # 30,000 net: ≥ reaches the band
        (35_000, 26_000, Settled("cancelled", "returned")),  # 9,000 net
        (80_000, 0, Reward(Band(80_000, C))),
        (35_000, 35_000, Settled("cancelled", "returned")),  # a void
    ],
)
def test_the_highest_band_the_net_spend_reaches_wins(
    spend: int, returned: int, decision: Reward | Settled
) -> None:
    assert domain.decide(SEED, spend, returned, same_account=False) == decision


def test_one_household_is_refused_and_no_bands_waits() -> None:
    refused = domain.decide(SEED, 90_000, 0, same_account=True)
    assert refused == Settled("refused", "same_household")
    assert domain.decide(domain.NO_POLICY, 90_000, 0, same_account=False) is None


def test_the_reward_is_due_once_the_return_window_passed() -> None:
    purchased = datetime(2026, 11, 30, 6, 1, tzinfo=UTC)
    assert domain.due_at(purchased, 7) == datetime(2026, 12, 7, 6, 1, tzinfo=UTC)
    assert domain.due_at(purchased, 0) == purchased


def test_the_cap_counts_the_brands_month() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    # 30 November 16:30 UTC is 1 December 00:30 in Shanghai
    assert domain.month_of(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), shanghai).isoformat() == (
        "2026-12-01"
    )
    assert domain.month_of(datetime(2026, 11, 30, 15, 59, tzinfo=UTC), shanghai).isoformat() == (
        "2026-11-01"
    )


async def test_marketing_sets_the_policy_and_staff_read_it(
    client: httpx.AsyncClient, reward_policy: SetBands
) -> None:
    bands = await reward_policy(monthly_cap=3)
    read = await client.get("/program/referral-policy", headers=staff_headers("analyst"))
    assert read.status_code == 200, read.text
    policy = read.json()
    assert policy["bands"] == [
        {"min_spend_fen": 10_000, "definition_id": bands.twenty},
        {"min_spend_fen": 30_000, "definition_id": bands.thirty},
        {"min_spend_fen": 80_000, "definition_id": bands.fifty},
    ]
    assert (policy["monthly_cap"], policy["version"]) == (3, 1)
    assert policy["updated_by"] == "test-marketing"
    again = await client.put(
        "/program/referral-policy", json={"bands": policy["bands"][:1]}, headers=MARKETING
    )
    assert (again.json()["version"], again.json()["monthly_cap"]) == (2, None)


@pytest.mark.parametrize(
    ("bands", "cap", "location"),
    [
        ([], None, "body.bands"),
        ([{"min_spend_fen": -1, "definition_id": "D"}], None, "body.bands.0.min_spend_fen"),
        ([{"min_spend_fen": 100, "definition_id": "D"}], 0, "body.monthly_cap"),
        ([{"min_spend_fen": 100, "definition_id": "D"}], "2", "body.monthly_cap"),
        (
            [
                {"min_spend_fen": 100, "definition_id": "D"},
                {"min_spend_fen": 100, "definition_id": "D"},
            ],
            None,
            "body",
        ),
        (
            [{"min_spend_fen": 100, "definition_id": "not-a-uuid"}],
            None,
            "body.bands.0.definition_id",
        ),
    ],
)
async def test_bad_policies_are_refused_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient,
    reward_policy: SetBands,
    bands: list[dict[str, object]],
    cap: object,
    location: str,
) -> None:
    made = await reward_policy()
    for band in bands:
        band["definition_id"] = (
            made.twenty if band["definition_id"] == "D" else band["definition_id"]
        )
    put = await client.put(
        "/program/referral-policy", json={"bands": bands, "monthly_cap": cap}, headers=MARKETING
    )
    assert location in [error["location"] for error in problem(put, 422)["errors"]]
    read = await client.get("/program/referral-policy", headers=MARKETING)
    assert read.json()["version"] == 1


async def test_an_unknown_definition_is_404_and_only_marketing_sets(
    client: httpx.AsyncClient, reward_policy: SetBands
) -> None:
    made = await reward_policy()
    known = {"min_spend_fen": 100, "definition_id": made.twenty}
    unknown = {"min_spend_fen": 200, "definition_id": str(uuid.uuid4())}
    put = await client.put(
        "/program/referral-policy", json={"bands": [known, unknown]}, headers=MARKETING
    )
    body = problem(put, 404)
    assert body["type"].endswith("coupon-definition-not-found")
    assert body["errors"][0]["location"] == "body.bands.1.definition_id"
    service = await client.put(
        "/program/referral-policy", json={"bands": [known]}, headers=staff_headers("service")
    )
    assert service.status_code == 403
    member = await client.get("/program/referral-policy", headers=member_headers(uuid.uuid4()))
    assert member.status_code == 403
    read = await client.get("/program/referral-policy", headers=MARKETING)
    assert read.json()["version"] == 1

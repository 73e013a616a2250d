"""The program's HTTP API: the ladder and the earning rule, and every bad input refused."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.loyalty.conftest import RULE, problem
from tests.stack import member_headers, staff_headers

ADMIN = staff_headers("admin")
SEEDS_LADDER: list[dict[str, Any]] = [
    {"code": "standard", "name": "普通会员", "threshold_fen": 0},
    {"code": "vip", "name": "VIP贵宾", "threshold_fen": 100_000},
    {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
    {"code": "angel", "name": "VIP健康天使", "threshold_fen": 2_000_000},
]


async def _ladder_is_the_seeds(client: httpx.AsyncClient) -> None:
    read = await client.get("/program/tiers", headers=ADMIN)
    assert [(t["code"], t["name"], t["threshold_fen"]) for t in read.json()["tiers"]] == [
        (t["code"], t["name"], t["threshold_fen"]) for t in SEEDS_LADDER
    ]


async def _rule_is_the_seeds(client: httpx.AsyncClient) -> None:
    read = await client.get("/program/earning-rule", headers=ADMIN)
    assert read.json()["points_per_yuan"] == RULE.points_per_yuan
    assert read.json()["tier_multipliers_percent"] == RULE.tier_multipliers_percent


async def test_marketing_replaces_and_reads_the_ladder(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/program/tiers", json=SEEDS_LADDER, headers=staff_headers("marketing")
    )
    assert response.status_code == 200, response.text
    assert [t["name"] for t in response.json()["tiers"]] == [t["name"] for t in SEEDS_LADDER]
    read = await client.get("/program/tiers", headers=member_headers(uuid.uuid4()))
    assert [(t["code"], t["threshold_fen"]) for t in read.json()["tiers"]] == [
        (t["code"], t["threshold_fen"]) for t in SEEDS_LADDER
    ]


async def test_text_is_trimmed_and_benefits_keep_their_lines(client: httpx.AsyncClient) -> None:
    ladder = [
        {**SEEDS_LADDER[0], "name": "  普通会员\u3000", "benefits": "生日礼物\r\n积分加倍"},
        *SEEDS_LADDER[1:],
    ]
    response = await client.put("/program/tiers", json=ladder, headers=ADMIN)
    assert response.status_code == 200, response.text
    base = response.json()["tiers"][0]
    assert (base["name"], base["benefits"]) == ("普通会员", "生日礼物\n积分加倍")
    await _ladder_is_the_seeds(client)
    restored = await client.put("/program/tiers", json=SEEDS_LADDER, headers=ADMIN)
    assert restored.status_code == 200, restored.text


@pytest.mark.parametrize(
    ("ladder", "detail"),
    [
        ([{**SEEDS_LADDER[0], "threshold_fen": 10}, *SEEDS_LADDER[1:]], "exactly one tier"),
        ([SEEDS_LADDER[0], SEEDS_LADDER[2], SEEDS_LADDER[1]], "rise strictly"),
        ([*SEEDS_LADDER, {**SEEDS_LADDER[1], "threshold_fen": 9_000_000}], "unique: vip"),
        ([SEEDS_LADDER[0], {**SEEDS_LADDER[1], "code": "VIP Gold"}], "code"),
        ([SEEDS_LADDER[0], {**SEEDS_LADDER[1], "threshold_fen": 1000.5}], "threshold_fen"),
        ([], "at least 1"),
    ],
)
async def test_an_invalid_ladder_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, ladder: list[dict[str, Any]], detail: str
) -> None:
    refused = problem(await client.put("/program/tiers", json=ladder, headers=ADMIN), 422)
    assert detail in refused["detail"]
    await _ladder_is_the_seeds(client)


# Every field of a tier, with a value of each kind of fault its type closes
TIER_FAULTS: list[tuple[str, Any, str]] = [
    *[(field, "vip\x00", "control character") for field in ("name", "benefits")],
    ("code", "vip\x00", "may contain only"),
    ("code", "x" * 33, "at most 32"),
    ("name", "VIP\n贵宾", "single line"),
    ("name", "VIP\u2028贵宾", "single line"),
    ("name", "   ", "blank"),
    ("name", "x" * 65, "at most 64"),
    ("name", "VIP\u202e贵宾", "bidirectional"),
    ("benefits", "x" * 2001, "at most 2000"),
    ("benefits", "\u200b", "invisible"),
    ("threshold_fen", 2**53, "less than or equal to 9007199254740991"),
    ("threshold_fen", 2**64, "less than or equal"),
    ("threshold_fen", -1, "greater than or equal to 0"),
    ("threshold_fen", "100000", "valid integer"),
]


@pytest.mark.parametrize(("field", "value", "message"), TIER_FAULTS)
async def test_each_tier_field_refuses_its_faults_by_name(
    client: httpx.AsyncClient, field: str, value: Any, message: str
) -> None:
    ladder = [SEEDS_LADDER[0], {**SEEDS_LADDER[1], field: value}, *SEEDS_LADDER[2:]]
    refused = problem(await client.put("/program/tiers", json=ladder, headers=ADMIN), 422)
    [error] = refused["errors"]
    assert error["location"] == f"body.1.{field}"
    assert message in error["message"]
    await _ladder_is_the_seeds(client)


async def test_a_ladder_has_at_most_twenty_tiers(client: httpx.AsyncClient) -> None:
    ladder = [{"code": f"t{n}", "name": f"T{n}", "threshold_fen": n * 1_000} for n in range(21)]
    refused = problem(await client.put("/program/tiers", json=ladder, headers=ADMIN), 422)
    assert "at most 20" in refused["detail"]
    await _ladder_is_the_seeds(client)


async def test_only_marketing_and_admin_configure_the_program(client: httpx.AsyncClient) -> None:
    problem(
        await client.put("/program/tiers", json=SEEDS_LADDER, headers=staff_headers("service")),
        403,
    )
    problem(
        await client.put(
            "/program/earning-rule", json=RULE.model_dump(), headers=member_headers(uuid.uuid4())
        ),
        403,
    )
    problem(await client.put("/program/tiers", json=SEEDS_LADDER), 401)


async def test_the_earning_rule_round_trips(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/program/earning-rule", json=RULE.model_dump(), headers=staff_headers("marketing")
    )
    assert response.status_code == 200, response.text
    read = await client.get("/program/earning-rule", headers=staff_headers("analyst"))
    assert read.json()["tier_multipliers_percent"] == RULE.tier_multipliers_percent
    assert read.json()["points_per_yuan"] == 1


@pytest.mark.parametrize(
    ("rule", "location", "message"),
    [
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {"vip": 300, "gold": 200}},
            "body.tier_multipliers_percent",
            "'gold', an unknown tier in the ladder",
        ),
        ({"points_per_yuan": 1.5}, "body.points_per_yuan", "valid integer"),
        ({"points_per_yuan": -1}, "body.points_per_yuan", "greater than or equal to 0"),
        # an int32 column: this answered 500 before
        ({"points_per_yuan": 2_147_483_648}, "body.points_per_yuan", "less than or equal to 1000"),
        ({"points_per_yuan": 1001}, "body.points_per_yuan", "less than or equal to 1000"),
        ({"points_per_yuan": 2**64}, "body.points_per_yuan", "less than or equal to 1000"),
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {"vip": 1.2}},
            "body.tier_multipliers_percent.vip",
            "valid integer",
        ),
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {"vip": 1001}},
            "body.tier_multipliers_percent.vip",
            "less than or equal to 1000",
        ),
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {"VIP": 100}},
            "body.tier_multipliers_percent.VIP.[key]",
            "may contain only",
        ),
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {"v\x00": 100}},
            "body.tier_multipliers_percent.v\x00.[key]",
            "may contain only",
        ),
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {f"t{n}": 100 for n in range(21)}},
            "body.tier_multipliers_percent",
            "at most 20",
        ),
    ],
)
async def test_a_bad_earning_rule_is_refused_by_field_and_nothing_is_written(
    client: httpx.AsyncClient, rule: dict[str, Any], location: str, message: str
) -> None:
    refused = problem(await client.put("/program/earning-rule", json=rule, headers=ADMIN), 422)
    [error] = refused["errors"]
    assert (error["location"], message in error["message"]) == (location, True), refused
    await _rule_is_the_seeds(client)


def test_every_endpoint_documents_an_example(client: httpx.AsyncClient) -> None:
    spec = client._transport.app.openapi()  # type: ignore[attr-defined]
    text = json.dumps(spec, ensure_ascii=False)
    for path in ("/program/tiers", "/program/earning-rule", "/members/{member_id}/redemptions"):
        assert path in spec["paths"]
    assert "VIP健康天使" in text
    for schema in ("LoyaltyOut", "LedgerPage", "RedemptionOut", "RedemptionIn", "EarningRuleIn"):
        assert spec["components"]["schemas"][schema].get("examples"), schema

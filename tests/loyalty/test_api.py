from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from services.loyalty.invariants import check_ledger_invariants
from services.loyalty.models import LedgerEntry
from shared.db import Sessions
from shared.errors import PROBLEM_JSON
from shared.kafka import create_producer
from tests.loyalty.conftest import (
    RULE,
    account_of,
    funded_member,
    ledger_of,
    published,
    purchase_event,
)
from tests.stack import Stack, eventually, member_headers, running, staff_headers

ADMIN = staff_headers("admin")
SEEDS_LADDER = [
    {"code": "standard", "name": "普通会员", "threshold_fen": 0},
    {"code": "vip", "name": "VIP贵宾", "threshold_fen": 100_000},
    {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
    {"code": "angel", "name": "VIP健康天使", "threshold_fen": 2_000_000},
]


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("loyalty")) as client:
        yield client


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    return body


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


# --- program ---------------------------------------------------------------------------


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
    problem = _problem(await client.put("/program/tiers", json=ladder, headers=ADMIN), 422)
    assert detail in problem["detail"]
    read = await client.get("/program/tiers", headers=ADMIN)
    assert [t["code"] for t in read.json()["tiers"]] == ["standard", "vip", "star", "angel"]


async def test_only_marketing_and_admin_configure_the_program(client: httpx.AsyncClient) -> None:
    _problem(
        await client.put("/program/tiers", json=SEEDS_LADDER, headers=staff_headers("service")), 403
    )
    _problem(
        await client.put(
            "/program/earning-rule", json=RULE.model_dump(), headers=member_headers(uuid.uuid4())
        ),
        403,
    )
    _problem(await client.put("/program/tiers", json=SEEDS_LADDER), 401)


async def test_the_earning_rule_round_trips(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/program/earning-rule", json=RULE.model_dump(), headers=staff_headers("marketing")
    )
    assert response.status_code == 200, response.text
    read = await client.get("/program/earning-rule", headers=staff_headers("analyst"))
    assert read.json()["tier_multipliers_percent"] == RULE.tier_multipliers_percent
    assert read.json()["points_per_yuan"] == 1


@pytest.mark.parametrize(
    ("rule", "detail"),
    [
        (
            {"points_per_yuan": 5, "tier_multipliers_percent": {"vip": 300, "gold": 200}},
            "'gold', an unknown tier in the ladder",
        ),
        ({"points_per_yuan": 1.5, "tier_multipliers_percent": {}}, "points_per_yuan"),
        ({"points_per_yuan": 5, "tier_multipliers_percent": {"vip": 1.2}}, "vip"),
        ({"points_per_yuan": -1, "tier_multipliers_percent": {}}, "points_per_yuan"),
    ],
)
async def test_a_bad_earning_rule_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, rule: dict[str, Any], detail: str
) -> None:
    problem = _problem(await client.put("/program/earning-rule", json=rule, headers=ADMIN), 422)
    assert detail in problem["detail"]
    read = await client.get("/program/earning-rule", headers=ADMIN)
    assert read.json()["points_per_yuan"] == 1
    assert read.json()["tier_multipliers_percent"] == RULE.tier_multipliers_percent


def test_every_endpoint_documents_an_example(client: httpx.AsyncClient) -> None:
    spec = client._transport.app.openapi()  # type: ignore[attr-defined]
    text = json.dumps(spec, ensure_ascii=False)
    for path in ("/program/tiers", "/program/earning-rule", "/members/{member_id}/redemptions"):
        assert path in spec["paths"]
    assert "VIP健康天使" in text
    for schema in ("LoyaltyOut", "LedgerPage", "RedemptionOut", "RedemptionIn", "EarningRuleIn"):
        assert spec["components"]["schemas"][schema].get("examples"), schema


# --- reads -----------------------------------------------------------------------------


async def test_a_member_reads_balance_tier_and_progress(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 120_000)
    response = await client.get(f"/members/{member_id}/loyalty", headers=member_headers(member_id))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "member_id": str(member_id),
        "balance": 1_200,
        "tier": {"code": "vip", "name": "VIP贵宾"},
        "qualifying_spend_fen": 120_000,
        "next_tier": {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
        "missing_fen": 380_000,
    }


async def test_members_see_only_themselves_and_unknown_members_are_404(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    _problem(
        await client.get(f"/members/{member_id}/loyalty", headers=member_headers(uuid.uuid4())), 403
    )
    _problem(
        await client.get(f"/members/{member_id}/ledger", headers=member_headers(uuid.uuid4())), 403
    )
    ok = await client.get(f"/members/{member_id}/loyalty", headers=staff_headers("analyst"))
    assert ok.status_code == 200
    missing = uuid.uuid4()
    problem = _problem(await client.get(f"/members/{missing}/loyalty", headers=ADMIN), 404)
    assert str(missing) in problem["detail"]


async def test_the_ledger_pages_newest_first(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 50_000)
    for n in range(4):
        redeemed = await client.post(
            f"/members/{member_id}/redemptions",
            json={"points": 10 + n, "reason": f"gift {n}"},
            headers=member_headers(member_id) | _key(),
        )
        assert redeemed.status_code == 201, redeemed.text
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(3):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(
            f"/members/{member_id}/ledger", params=params, headers=member_headers(member_id)
        )
        assert page.status_code == 200, page.text
        seen += [item["points"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [-13, -12, -11, -10, 500]
    _problem(
        await client.get(f"/members/{member_id}/ledger", params={"cursor": "x"}, headers=ADMIN), 422
    )


# --- redemptions -----------------------------------------------------------------------


async def test_a_redemption_spends_points_and_publishes(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 80_000)
    response = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 300, "reason": "兑换耳机"},
        headers=staff_headers("service") | _key(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["points"], body["balance"]) == (300, 500)
    last = (await ledger_of(loyalty_sessions, member_id))[-1]
    assert (last.kind, last.points, last.balance_after, last.reason) == (
        "redeem",
        -300,
        500,
        "兑换耳机",
    )
    assert str(last.redemption_id) == body["redemption_id"]
    [event] = await published(loyalty_sessions, member_id, "loyalty.points.redeemed")
    assert (event["points"], event["balance"], event["reason"]) == (300, 500, "兑换耳机")


async def test_insufficient_points_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 20_000)
    response = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 201, "reason": "tablet"},
        headers=member_headers(member_id) | _key(),
    )
    problem = _problem(response, 422)
    assert problem["detail"] == "insufficient points: balance 200, requested 201"
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn"]
    assert await published(loyalty_sessions, member_id, "loyalty.points.redeemed") == []


@pytest.mark.parametrize(
    ("body", "headers_for", "status"),
    [
        ({"points": 0, "reason": "x"}, "self", 422),
        ({"points": 1.5, "reason": "x"}, "self", 422),
        ({"points": 5}, "self", 422),
        ({"points": 5, "reason": "x"}, "no-key", 422),
        ({"points": 5, "reason": "x"}, "other-member", 403),
        ({"points": 5, "reason": "x"}, "marketing", 403),
    ],
)
async def test_bad_redemptions_get_a_clear_4xx(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    body: dict[str, Any],
    headers_for: str,
    status: int,
) -> None:
    member_id = await funded_member(loyalty_sessions, 10_000)
    headers = {
        "self": member_headers(member_id) | _key(),
        "no-key": member_headers(member_id),
        "other-member": member_headers(uuid.uuid4()) | _key(),
        "marketing": staff_headers("marketing") | _key(),
    }[headers_for]
    response = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    _problem(response, status)
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 100


async def test_redeeming_for_an_unknown_member_is_404(client: httpx.AsyncClient) -> None:
    member_id = uuid.uuid4()
    response = await client.post(
        f"/members/{member_id}/redemptions",
        json={"points": 5, "reason": "x"},
        headers=staff_headers("service") | _key(),
    )
    _problem(response, 404)


async def test_a_retried_redemption_returns_the_first_answer(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 50_000)
    headers = member_headers(member_id) | _key()
    body = {"points": 120, "reason": "小礼品"}
    first = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    again = await client.post(f"/members/{member_id}/redemptions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert [e.kind for e in await ledger_of(loyalty_sessions, member_id)] == ["earn", "redeem"]
    changed = await client.post(
        f"/members/{member_id}/redemptions", json={**body, "points": 121}, headers=headers
    )
    assert "different request body" in _problem(changed, 422)["detail"]


async def test_concurrent_redemptions_never_overdraw(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 90_000)  # 900 points
    headers = member_headers(member_id)

    async def redeem() -> httpx.Response:
        return await client.post(
            f"/members/{member_id}/redemptions",
            json={"points": 270, "reason": "flash sale"},
            headers=headers | _key(),
        )

    responses = await asyncio.gather(*(redeem() for _ in range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [422] * 7
    assert sorted(r.json()["balance"] for r in responses if r.status_code == 201) == [90, 360, 630]
    account = await account_of(loyalty_sessions, member_id)
    assert account is not None
    assert account.balance == 90
    async with loyalty_sessions() as session:
        total = await session.scalar(
            select(func.sum(col(LedgerEntry.points))).where(col(LedgerEntry.member_id) == member_id)
        )
        assert total == 90
        assert (await check_ledger_invariants(session, members=[member_id])).ok


# --- through the broker ------------------------------------------------------------------


async def test_a_purchase_published_on_kafka_earns_points(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    member_id = uuid.uuid4()
    event = purchase_event(member_id, 234_500)
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(event.topic, event.to_json(), key=str(member_id).encode())
    finally:
        await producer.stop()

    async def account() -> dict[str, Any] | None:
        response = await client.get(f"/members/{member_id}/loyalty", headers=ADMIN)
        return response.json() if response.status_code == 200 else None

    seen = await eventually(account, timeout=20)
    assert (seen["balance"], seen["tier"]["code"]) == (2_345, "vip")

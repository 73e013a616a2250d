"""Coupons granted to members over HTTP: on the account, once per grant key, within the
definition's quantity and per-member limit however many grants race, announced by
``loyalty.coupon.granted``."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.points.invariants import check_ledger_invariants
from shared.codes import is_well_formed, normalise
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, key, problem
from tests.loyalty.coupons.test_api import MARKETING, body
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")


async def _definition(client: httpx.AsyncClient, **changes: Any) -> str:
    response = await client.post(
        "/coupons/definitions", json=body(**changes), headers=MARKETING | key()
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _grant(
    client: httpx.AsyncClient, member_id: uuid.UUID, definition_id: str, grant_key: str = "g1"
) -> httpx.Response:
    return await client.post(
        f"/members/{member_id}/coupons",
        json={"definition_id": definition_id, "grant_key": grant_key},
        headers=SERVICE | key(),
    )


async def test_a_grant_is_held_once_per_key_and_the_member_reads_the_code(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition_id = await _definition(client, per_member_limit=2)
    first = await _grant(client, member, definition_id)
    assert first.status_code == 201, first.text
    granted = first.json()
    assert granted["code"].startswith("****-****-")
    assert granted["status"] == "active"
    again = await _grant(client, member, definition_id)  # a new Idempotency-Key, same grant
    assert again.json()["id"] == granted["id"]
    own = await client.get(f"/members/{member}/coupons", headers=member_headers(member))
    [coupon] = own.json()["items"]
    assert coupon["id"] == granted["id"]
    assert is_well_formed(normalise(coupon["code"]))
    assert coupon["code"][-6:] == granted["code"][-6:]
    staff = await client.get(f"/members/{member}/coupons", headers=SERVICE)
    assert staff.json()["items"][0]["code"] == granted["code"]
    async with loyalty_sessions() as session:
        issued = await session.scalar(
            text("SELECT issued FROM loyalty.coupon_definitions WHERE id = :id"),
            {"id": definition_id},
        )
        events = (
            await session.execute(
                text(
                    "SELECT envelope FROM loyalty.outbox "
                    "WHERE event_type = 'loyalty.coupon.granted' AND envelope->>'subject' = :c"
                ),
                {"c": granted["id"]},
            )
        ).all()
    assert issued == 1
    [(envelope,)] = events
    assert envelope["data"]["face_value_fen"] == 3_000
    assert envelope["data"]["member_id"] == str(member)
    assert "code" not in envelope["data"]


async def test_the_per_member_limit_and_the_quantity_refuse_more(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member, other, third = [await funded_member(loyalty_sessions, 1_000) for _ in range(3)]
    definition_id = await _definition(client, quantity=2)
    assert (await _grant(client, member, definition_id)).status_code == 201
    limited = await _grant(client, member, definition_id, grant_key="g2")
    assert problem(limited, 409)["type"].endswith("coupon-limit-reached")
    assert (await _grant(client, other, definition_id)).status_code == 201
    exhausted = await _grant(client, third, definition_id)
    assert problem(exhausted, 409)["type"].endswith("coupons-exhausted")


async def test_unknown_definition_or_member_is_a_404(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 1_000)
    missing = await _grant(client, member, str(uuid.uuid4()))
    assert problem(missing, 404)["type"].endswith("coupon-definition-not-found")
    nobody = await _grant(client, uuid.uuid4(), await _definition(client))
    assert problem(nobody, 404)["type"].endswith("account-not-found")


async def test_racing_grants_never_exceed_quantity_or_the_member_limit(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    members = [await funded_member(loyalty_sessions, 1_000) for _ in range(8)]
    definition_id = await _definition(client, quantity=5, per_member_limit=1)
    racers = [m for m in members for _ in range(2)]  # each member twice, different keys
    responses = await asyncio.gather(
        *(_grant(client, m, definition_id, f"k{i}") for i, m in enumerate(racers))
    )
    outcomes = Counter(
        "granted" if r.status_code == 201 else r.json()["type"].rsplit(":", 1)[1] for r in responses
    )
    assert outcomes["granted"] == 5, outcomes
    assert set(outcomes) <= {"granted", "coupons-exhausted", "coupon-limit-reached"}
    async with loyalty_sessions() as session:
        per_member = (
            await session.execute(
                text(
                    "SELECT member_id, count(*) FROM loyalty.coupons "
                    "WHERE definition_id = :d GROUP BY member_id"
                ),
                {"d": definition_id},
            )
        ).all()
    assert sum(count for _, count in per_member) == 5
    assert all(count == 1 for _, count in per_member)


async def test_the_invariants_find_an_issue_count_or_a_limit_that_does_not_hold(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 1_000)
    definition_id = await _definition(client, per_member_limit=2)
    for grant_key in ("a", "b"):
        assert (await _grant(client, member, definition_id, grant_key)).status_code == 201
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member])).ok
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.coupon_definitions SET issued = 3, per_member_limit = 1 "
                "WHERE id = :id"
            ),
            {"id": definition_id},
        )
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[member])
    assert [v.subject for v in report.of(Invariant.COUPON_ISSUES)] == [uuid.UUID(definition_id)]
    assert "issued 3, granted 2" in report.of(Invariant.COUPON_ISSUES)[0].detail
    assert [v.subject for v in report.of(Invariant.COUPON_MEMBER_LIMIT)] == [member]


async def test_validate_prices_a_basket_with_each_of_the_members_coupons(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member = await funded_member(loyalty_sessions, 1_000)
    health = await _definition(client)  # 满200减30 on health
    skincare = await _definition(
        client,
        name="护肤满500减80",
        terms={"kind": "threshold_off", "threshold_fen": 50_000, "off_fen": 8_000},
        scope={"categories": ["skincare"]},
    )
    kept = (await _grant(client, member, health)).json()
    refused = (await _grant(client, member, skincare)).json()
    store = str(uuid.uuid4())
    basket = {
        "member_id": str(member),
        "store_id": store,
        "lines": [
            {"line_no": 1, "sku": "HP-FISHOIL-60", "category": "health", "amount_fen": 25_800},
            {"line_no": 2, "sku": "HP-VITC-100", "category": "health", "amount_fen": 5_001},
            {"line_no": 3, "sku": "SK-CREAM-50", "category": "skincare", "amount_fen": 12_345},
        ],
    }
    response = await client.post("/coupons/validate", json=basket, headers=SERVICE)
    assert response.status_code == 200, response.text
    answer = response.json()
    # 30,801 of health ≥ 20,000: 25,800×3,000/30,801 = 2,512.9 → 2,512, 5,001 → 487.1 →
    # 487, 1 fen left to line 1
    assert answer["applicable"] == [
        {
            "coupon_id": kept["id"],
            "code": kept["code"],
            "name": "满200减30",
            "kind": "threshold_off",
            "stackable": False,
            "discount_fen": 3_000,
            "lines": [{"line_no": 1, "discount_fen": 2_513}, {"line_no": 2, "discount_fen": 487}],
        }
    ]
    [why] = answer["not_applicable"]
    assert (why["coupon_id"], why["reason"]) == (refused["id"], "below_threshold")
    assert answer["stacked"] == {
        "discount_fen": 3_000,
        "lines": answer["applicable"][0]["lines"],
        "coupons": answer["applicable"],
    }
    duplicate = basket | {"lines": [basket["lines"][0], basket["lines"][0]]}
    assert "line_no" in str(
        problem(await client.post("/coupons/validate", json=duplicate, headers=SERVICE), 422)
    )

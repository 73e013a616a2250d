"""``POST /coupons/validate`` reads the account, the active coupons, their definitions and
the lines' category ancestors in one statement: each part of that read still answers as it
did when they were separate queries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, text

from services.loyalty.base import product_categories
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, key, problem
from tests.loyalty.coupons.test_api import MARKETING, body
from tests.stack import staff_headers

SERVICE = staff_headers("service")


async def _coupon(
    client: httpx.AsyncClient, member: uuid.UUID, grant_key: str, **changes: Any
) -> dict[str, Any]:
    definition = await client.post(
        "/coupons/definitions", json=body(**changes), headers=MARKETING | key()
    )
    assert definition.status_code == 201, definition.text
    granted = await client.post(
        f"/members/{member}/coupons",
        json={"definition_id": definition.json()["id"], "grant_key": grant_key},
        headers=SERVICE | key(),
    )
    assert granted.status_code == 201, granted.text
    coupon: dict[str, Any] = granted.json()
    return coupon


async def _validate(
    client: httpx.AsyncClient, member: uuid.UUID, *lines: tuple[str, int]
) -> httpx.Response:
    basket = {
        "member_id": str(member),
        "store_id": str(uuid.uuid4()),
        "lines": [
            {"line_no": n, "sku": f"SKU-{n}", "category": category, "amount_fen": amount}
            for n, (category, amount) in enumerate(lines, start=1)
        ],
    }
    return await client.post("/coupons/validate", json=basket, headers=SERVICE)


async def test_a_member_without_an_account_is_a_404_and_one_without_coupons_gets_none(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    stranger = uuid.uuid4()
    refused = problem(await _validate(client, stranger, ("health", 100)), 404)
    assert refused["type"] == "urn:huiyuan:problem:account-not-found"
    assert str(stranger) in refused["detail"]
    member = await funded_member(loyalty_sessions, 1_000)
    answer = await _validate(client, member, ("health", 100))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"applicable": [], "not_applicable": [], "stacked": None}


async def test_a_category_counts_with_its_ancestors_and_only_active_coupons_are_priced(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    top, child = f"health-{uuid.uuid4().hex[:8]}", f"fishoil-{uuid.uuid4().hex[:8]}"
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            insert(product_categories.table).values(
                product_id=uuid.uuid4(),
                sku="HP-FISHOIL-60",
                category=child,
                category_ancestors=[top],
                status="active",
                revision=1,
                changed_at=datetime.now(UTC),
            )
        )
    member = await funded_member(loyalty_sessions, 1_000)
    scoped = {"scope": {"categories": [top]}}
    kept = await _coupon(client, member, "kept", **scoped)  # 满200减30 on the top category
    ended = await _coupon(client, member, "ended", **scoped)
    used = await _coupon(client, member, "used", **scoped)
    past = datetime.now(UTC) - timedelta(days=1)
    async with transaction(loyalty_sessions) as session:
        # still active but past its validity (the expiry job has not run): refused, listed
        await session.execute(
            text("UPDATE loyalty.coupons SET valid_from = :f, valid_until = :u WHERE id = :i"),
            {"f": past - timedelta(days=1), "u": past, "i": uuid.UUID(ended["id"])},
        )
        await session.execute(
            text("UPDATE loyalty.coupons SET status = 'redeemed' WHERE id = :i"),
            {"i": uuid.UUID(used["id"])},
        )
    response = await _validate(client, member, (child, 15_000), ("toys", 9_000), (top, 5_000))
    assert response.status_code == 200, response.text
    answer = response.json()
    # 20,000 fen in scope (15,000 by the ancestor, 5,000 by the category itself) ≥ 20,000:
    # 15,000 × 3,000 / 20,000 = 2,250 and 5,000 × 3,000 / 20,000 = 750, exactly
    assert answer["applicable"] == [
        {
            "coupon_id": kept["id"],
            "code": kept["code"],
            "name": "满200减30",
            "kind": "threshold_off",
            "stackable": False,
            "discount_fen": 3_000,
            "lines": [{"line_no": 1, "discount_fen": 2_250}, {"line_no": 3, "discount_fen": 750}],
        }
    ]
    assert [(c["coupon_id"], c["reason"]) for c in answer["not_applicable"]] == [
        (ended["id"], "expired")
    ]

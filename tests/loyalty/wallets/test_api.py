"""Stored value over HTTP: bonus rules, deposits, a deposit's refund, the wallet, the
liability report; every bad input refused with nothing written."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from services.loyalty.wallets.invariants import wallet_violations
from shared.db import Sessions
from tests.loyalty.conftest import funded_member, key, problem, published
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")
SEED_001 = {
    "tiers": [
        {"min_deposit_fen": 50_000, "bonus_fen": 20_000},
        {"min_deposit_fen": 10_000, "bonus_fen": 10_000},
        {"min_deposit_fen": 100_000, "bonus_fen": 20_000},
    ]
}
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def set_rules(client: httpx.AsyncClient, rules: dict[str, Any]) -> dict[str, Any]:
    response = await client.put(
        "/program/wallet-bonus-rules", json=rules, headers=staff_headers("marketing")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def deposit(
    client: httpx.AsyncClient, member_id: uuid.UUID, store_id: uuid.UUID, amount_fen: int
) -> dict[str, Any]:
    response = await client.post(
        f"/members/{member_id}/wallet/deposits",
        json={"store_id": str(store_id), "amount_fen": amount_fen},
        headers={**SERVICE, **key()},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def wallet(client: httpx.AsyncClient, member_id: uuid.UUID) -> dict[str, Any]:
    response = await client.get(f"/members/{member_id}/wallet", headers=member_headers(member_id))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ledger_sums(sessions: Sessions, member_id: uuid.UUID) -> tuple[int, int]:
    """Principal and bonus summed from the ledger, apart from the service's code."""
    async with sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT coalesce(sum(e.principal_fen), 0), coalesce(sum(e.bonus_fen), 0) "
                    "FROM loyalty.wallet_entries e JOIN loyalty.account_holders h "
                    "USING (account_id) WHERE h.member_id = :member"
                ),
                {"member": member_id},
            )
        ).one()
    return int(row[0]), int(row[1])


async def test_a_deposit_gets_the_highest_bonus_it_reaches_and_a_refund_pays_back_principal(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    rules = await set_rules(client, SEED_001)
    assert [t["min_deposit_fen"] for t in rules["tiers"]] == [10_000, 50_000, 100_000]
    member_id, store = await funded_member(loyalty_sessions, 100), uuid.uuid4()

    headers = {**SERVICE, **key()}
    body = {"store_id": str(store), "amount_fen": 60_000}
    first = await client.post(f"/members/{member_id}/wallet/deposits", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post(f"/members/{member_id}/wallet/deposits", json=body, headers=headers)
    assert again.json() == first.json()  # the till's retry: one deposit
    made = first.json()
    assert (made["deposit"]["principal_fen"], made["deposit"]["bonus_fen"]) == (60_000, 20_000)
    assert made["deposit"]["rule_version"] == rules["version"]
    assert (made["principal_balance_fen"], made["bonus_balance_fen"]) == (60_000, 20_000)
    small = await deposit(client, member_id, store, 9_999)  # under the lowest tier
    assert small["deposit"]["bonus_fen"] == 0

    seen = await wallet(client, member_id)
    assert (seen["principal_fen"], seen["bonus_fen"], seen["balance_fen"]) == (
        69_999,
        20_000,
        89_999,
    )
    assert [(e["kind"], e["principal_fen"], e["bonus_fen"]) for e in seen["entries"]] == [
        ("deposit", 9_999, 0),
        ("deposit", 60_000, 20_000),
    ]

    deposit_id = made["deposit"]["deposit_id"]
    refund_url = f"/members/{member_id}/wallet/deposits/{deposit_id}/refund"
    refund_key = {**SERVICE, **key()}
    refunded = await client.post(refund_url, json={"store_id": str(store)}, headers=refund_key)
    assert refunded.status_code == 200, refunded.text
    assert (refunded.json()["refunded_fen"], refunded.json()["forfeited_bonus_fen"]) == (
        60_000,
        20_000,
    )
    replay = await client.post(refund_url, json={"store_id": str(store)}, headers=refund_key)
    assert replay.json() == refunded.json()
    twice = problem(
        await client.post(refund_url, json={"store_id": str(store)}, headers={**SERVICE, **key()}),
        409,
    )
    assert twice["type"] == "urn:huiyuan:problem:deposit-already-refunded"
    assert await ledger_sums(loyalty_sessions, member_id) == (9_999, 0)
    assert (await wallet(client, member_id))["balance_fen"] == 9_999

    events = await published(loyalty_sessions, member_id, "loyalty.wallet.deposited")
    assert [(e["principal_fen"], e["bonus_fen"]) for e in events] == [(60_000, 20_000), (9_999, 0)]
    refunds = await published(loyalty_sessions, member_id, "loyalty.wallet.deposit_refunded")
    assert [(e["refunded_fen"], e["forfeited_bonus_fen"]) for e in refunds] == [(60_000, 20_000)]
    async with loyalty_sessions() as session:
        assert await wallet_violations(session) == []


async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100)
    url = f"/members/{member_id}/wallet/deposits"
    for body, field in [
        ({"store_id": str(uuid.uuid4()), "amount_fen": 0}, "body.amount_fen"),
        ({"store_id": str(uuid.uuid4()), "amount_fen": 10.5}, "body.amount_fen"),
        ({"store_id": "till-7", "amount_fen": 100}, "body.store_id"),
    ]:
        refused = problem(await client.post(url, json=body, headers={**SERVICE, **key()}), 422)
        assert field in [error["location"] for error in refused["errors"]], refused
    unknown = problem(
        await client.post(
            f"/members/{uuid.uuid4()}/wallet/deposits",
            json={"store_id": str(uuid.uuid4()), "amount_fen": 100},
            headers={**SERVICE, **key()},
        ),
        404,
    )
    assert unknown["type"] == "urn:huiyuan:problem:account-not-found"
    stranger = await client.get(
        f"/members/{member_id}/wallet", headers=member_headers(uuid.uuid4())
    )
    assert stranger.status_code == 403
    by_member = await client.post(
        url,
        json={"store_id": str(uuid.uuid4()), "amount_fen": 100},
        headers={**member_headers(member_id), **key()},
    )
    assert by_member.status_code == 403  # a member cannot credit their own wallet
    not_theirs = problem(
        await client.post(
            f"/members/{member_id}/wallet/deposits/{uuid.uuid4()}/refund",
            json={"store_id": str(uuid.uuid4())},
            headers={**SERVICE, **key()},
        ),
        404,
    )
    assert not_theirs["type"] == "urn:huiyuan:problem:deposit-not-found"
    same = {"tiers": [{"min_deposit_fen": 100, "bonus_fen": 1}] * 2}
    rules = problem(
        await client.put(
            "/program/wallet-bonus-rules", json=same, headers=staff_headers("marketing")
        ),
        422,
    )
    assert "tiers.1.min_deposit_fen" in rules["detail"] + str(rules.get("errors"))
    assert await ledger_sums(loyalty_sessions, member_id) == (0, 0)


async def test_racing_deposits_and_refunds_keep_the_wallet_equal_to_its_ledger(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    await set_rules(client, SEED_001)
    member_id, store = await funded_member(loyalty_sessions, 100), uuid.uuid4()
    made = await asyncio.gather(*(deposit(client, member_id, store, 10_000) for _ in range(8)))
    url = f"/members/{member_id}/wallet/deposits/{made[0]['deposit']['deposit_id']}/refund"
    refunds = await asyncio.gather(
        *(
            client.post(url, json={"store_id": str(store)}, headers={**SERVICE, **key()})
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in refunds) == [200] + [409] * 5  # refunded once
    seen = await wallet(client, member_id)
    assert (seen["principal_fen"], seen["bonus_fen"]) == (70_000, 70_000)
    assert await ledger_sums(loyalty_sessions, member_id) == (70_000, 70_000)


async def test_the_liability_report_is_the_ledger_per_issuing_store_at_the_day_end(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    await set_rules(client, SEED_001)
    member_id = await funded_member(loyalty_sessions, 100)
    north, south = uuid.uuid4(), uuid.uuid4()
    await deposit(client, member_id, north, 10_000)  # +10,000 bonus
    kept = await deposit(client, member_id, south, 60_000)  # +20,000 bonus
    gone = await deposit(client, member_id, south, 5_000)  # no bonus
    url = f"/members/{member_id}/wallet/deposits/{gone['deposit']['deposit_id']}/refund"
    assert (
        await client.post(url, json={"store_id": str(north)}, headers={**SERVICE, **key()})
    ).status_code == 200
    assert kept["deposit"]["bonus_fen"] == 20_000

    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    analyst = staff_headers("analyst")
    report = (await client.get(f"/wallet/liability?date={today}", headers=analyst)).json()
    ours = {s["store_id"]: (s["principal_fen"], s["bonus_fen"]) for s in report["stores"]}
    # the refund stays on the issuing store's books, whoever paid it out
    assert (ours[str(north)], ours[str(south)]) == ((10_000, 10_000), (60_000, 20_000))
    assert report["until"].startswith(f"{today + timedelta(days=1)}T00:00:00+08:00")
    async with loyalty_sessions() as session:
        total = (
            await session.execute(
                text(
                    "SELECT sum(principal_fen), sum(bonus_fen) FROM loyalty.wallet_entries "
                    "WHERE created_at < :until"
                ),
                {"until": datetime.fromisoformat(report["until"])},
            )
        ).one()
    assert (report["principal_fen"], report["bonus_fen"]) == (int(total[0]), int(total[1]))
    yesterday = (
        await client.get(f"/wallet/liability?date={today - timedelta(days=1)}", headers=analyst)
    ).json()
    assert str(north) not in {s["store_id"] for s in yesterday["stores"]}

    assert (await client.get(f"/wallet/liability?date={today}", headers=SERVICE)).status_code == 403
    bad = problem(await client.get("/wallet/liability?date=2026-13-01", headers=analyst), 422)
    assert "query.date" in [error["location"] for error in bad["errors"]]

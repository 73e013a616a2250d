"""One purchase through all five services: points, tier, email and SMS, analytics; a
return and a void undone downstream (the void in messaging's journeys too)."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any

import httpx

from services.analytics.consumers import HANDLERS as ANALYTICS_HANDLERS
from shared.inbox import subscriptions
from tests.e2e.conftest import System
from tests.stack import consumer_caught_up, eventually, staff_headers

LADDER = [
    {"code": "standard", "name": "普通会员", "threshold_fen": 0},
    {"code": "vip", "name": "VIP贵宾", "threshold_fen": 100_000},
    {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
    {"code": "angel", "name": "VIP健康天使", "threshold_fen": 2_000_000},
]
RULE = {
    "points_per_yuan": 1,
    "tier_multipliers_percent": {"standard": 100, "vip": 120, "star": 150, "angel": 200},
}
ADMIN = staff_headers("admin")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


async def _program(system: System) -> None:
    _ok(await system["loyalty"].put("/program/tiers", json=LADDER, headers=ADMIN))
    _ok(await system["loyalty"].put("/program/earning-rule", json=RULE, headers=ADMIN))


async def _store_key(system: System) -> str:
    store = _ok(await system["orders"].post("/stores", json={"name": "e2e"}, headers=ADMIN), 201)
    key: str = store["api_key"]
    return key


async def _member(system: System, birthday: date | None = None) -> dict[str, Any]:
    phone = f"137{uuid.uuid4().int % 10**8:08d}"
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    body = {
        "name": "韩梅梅",
        "phone": phone,
        "email": email,
        "locale": "zh-CN",
        "consent": {"sms": True, "email": True},
    } | ({} if birthday is None else {"birthday": birthday.isoformat()})
    created = _ok(await system["customer"].post("/members", json=body, headers=ADMIN), 201)
    return {**created, "phone": f"+86{phone}", "email": email}  # phones are kept as E.164


async def _purchase(
    system: System, key: str, member: dict[str, Any], price_fen: int, quantity: int = 1
) -> dict[str, Any]:
    body = {
        "card_number": member["card_number"],
        "lines": [
            {
                "sku": "HP-FISHOIL-60",
                "category": "health",
                "quantity": quantity,
                "unit_price_fen": price_fen,
            }
        ],
    }
    headers = {"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex}

    async def accepted() -> dict[str, Any] | None:
        response = await system["orders"].post("/purchases", json=body, headers=headers)
        if response.status_code == 422 and "unknown" in response.text.lower():
            return None  # the registration event has not reached orders yet
        return dict(_ok(response, 201))

    result: dict[str, Any] = await eventually(accepted, timeout=15, interval=0.05)
    return result


async def _loyalty(system: System, member_id: str) -> dict[str, Any]:
    """The member's loyalty view; empty until loyalty has seen the registration."""
    response = await system["loyalty"].get(f"/members/{member_id}/loyalty", headers=ADMIN)
    if response.status_code == 404:
        return {}
    return dict(_ok(response))


async def _settled_kpis(system: System) -> dict[str, Any]:
    """KPIs once analytics has applied every event on its topics so far."""
    bootstrap, group = system.stack.bootstrap_servers, system.consumer_groups["analytics"]
    await eventually(
        lambda: consumer_caught_up(bootstrap, group, subscriptions(ANALYTICS_HANDLERS)), timeout=30
    )
    kpis: dict[str, Any] = _ok(await system["analytics"].get("/kpis", headers=ADMIN))
    return kpis


async def test_a_purchase_flows_through_every_service(system: System) -> None:
    await _program(system)
    key = await _store_key(system)
    kpis_before = await _settled_kpis(system)
    member = await _member(system)

    sale = await _purchase(system, key, member, price_fen=60_000, quantity=2)  # ¥1,200
    accepted_at = time.monotonic()
    assert sale["total_fen"] == 120_000

    async def promoted() -> dict[str, Any] | None:
        account = await _loyalty(system, member["id"])
        return account if account and account["tier"]["code"] == "vip" else None

    account = await eventually(promoted, timeout=15)
    points_visible = time.monotonic() - accepted_at
    assert account["balance"] == 1_200  # earned at the standard rate, before the upgrade
    assert account["qualifying_spend_fen"] == 120_000
    assert account["next_tier"]["code"] == "star"
    assert account["missing_fen"] == 380_000

    async def upgrade_delivered() -> bool:
        inbox = system.providers.inbox()
        email = any(
            member["email"] in mail.rcpt_tos and "VIP贵宾" in (mail.subject + mail.text)
            for mail in inbox.emails
        )
        sms = any(
            message.to == member["phone"] and "VIP贵宾" in message.text for message in inbox.sms
        )
        return email and sms

    await eventually(upgrade_delivered, timeout=20)
    delivered = time.monotonic() - accepted_at

    async def analysed() -> dict[str, Any] | None:
        response = await system["analytics"].get(f"/members/{member['id']}/summary", headers=ADMIN)
        if response.status_code != 200:
            return None  # the registration has not reached analytics yet
        summary: dict[str, Any] = response.json()
        counted = summary["purchase_count"] == 1 and summary["registered_at"] is not None
        return summary if counted else None

    summary = await eventually(analysed, timeout=15)
    assert summary["spend_fen"] == 120_000
    kpis_after = _ok(await system["analytics"].get("/kpis", headers=ADMIN))
    assert kpis_after["revenue_fen"] - kpis_before["revenue_fen"] == 120_000
    assert kpis_after["members"] - kpis_before["members"] == 1

    async def upgrade_recorded() -> list[dict[str, Any]] | None:
        # the provider has the message a moment before messaging commits "sent"
        listed = await system["messaging"].get(
            f"/members/{member['id']}/notifications", headers=ADMIN
        )
        upgrade = [n for n in _ok(listed)["items"] if n["template"] == "tier_upgrade"]
        return upgrade if all(n["status"] == "sent" for n in upgrade) else None

    upgrade = await eventually(upgrade_recorded, timeout=10)
    assert sorted(n["channel"] for n in upgrade) == ["email", "sms"]
    print(  # shown with pytest -s; the figures go into the closing note
        f"\nend to end: points visible after {points_visible * 1000:.0f} ms, "
        f"upgrade email and SMS delivered after {delivered * 1000:.0f} ms"
    )


async def test_a_return_reverses_points_and_demotes(system: System) -> None:
    await _program(system)
    key = await _store_key(system)
    member = await _member(system)
    sale = await _purchase(system, key, member, price_fen=150_000)  # ¥1,500 → vip

    async def tier_is(code: str, balance: int) -> bool:
        account = await _loyalty(system, member["id"])
        return bool(account and account["tier"]["code"] == code and account["balance"] == balance)

    await eventually(lambda: tier_is("vip", 1_500), timeout=15)
    returned = await system["orders"].post(
        f"/purchases/{sale['id']}/returns",
        json={"all": True},
        headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
    )
    _ok(returned, 201)
    await eventually(lambda: tier_is("standard", 0), timeout=15)
    ledger = _ok(await system["loyalty"].get(f"/members/{member['id']}/ledger", headers=ADMIN))
    kinds = sorted(entry["kind"] for entry in ledger["items"])
    assert kinds == ["earn", "reverse"]


async def test_a_member_who_never_changed_tier_has_the_same_tier_in_analytics(
    system: System,
) -> None:
    """Analytics learns a new account's tier from loyalty, not only from tier changes."""
    await _program(system)
    key = await _store_key(system)
    member = await _member(system)
    await _purchase(system, key, member, price_fen=5_000)  # ¥50: stays on the first tier

    async def earned() -> dict[str, Any] | None:
        account = await _loyalty(system, member["id"])
        return account if account and account["balance"] == 50 else None

    account = await eventually(earned, timeout=15)

    async def analysed() -> dict[str, Any] | None:
        response = await system["analytics"].get(f"/members/{member['id']}/summary", headers=ADMIN)
        if response.status_code != 200:
            return None
        summary: dict[str, Any] = response.json()
        return summary if summary["purchase_count"] == 1 and summary["tier_code"] else None

    summary = await eventually(analysed, timeout=15)
    assert account["tier"]["code"] == "standard"
    assert summary["tier_code"] == account["tier"]["code"]


async def test_a_voided_sale_is_undone_in_loyalty_analytics_and_the_journeys(
    system: System,
) -> None:
    await _program(system)
    key = await _store_key(system)
    member = await _member(system)
    sale = await _purchase(system, key, member, price_fen=150_000)  # ¥1,500 → vip

    async def tier_is(code: str, balance: int) -> bool:
        account = await _loyalty(system, member["id"])
        return bool(account and account["tier"]["code"] == code and account["balance"] == balance)

    async def counted(spend_fen: int) -> dict[str, Any] | None:
        response = await system["analytics"].get(f"/members/{member['id']}/summary", headers=ADMIN)
        summary: dict[str, Any] = response.json() if response.status_code == 200 else {}
        return summary if summary.get("spend_fen") == spend_fen else None

    async def journeys(*expected: str) -> bool:
        """Whether messaging's journey runs of the member are of these journeys."""
        response = await system["messaging"].get(
            "/journeys/runs", params={"member_id": member["id"]}, headers=ADMIN
        )
        runs = _ok(response)["items"]
        return sorted(r["journey"] for r in runs) == sorted(expected)

    await eventually(lambda: tier_is("vip", 1_500), timeout=15)
    await eventually(lambda: counted(150_000), timeout=15)
    await eventually(lambda: journeys("first_purchase_welcome", "win_back"), timeout=15)
    voided = await system["orders"].post(
        f"/purchases/{sale['id']}/void",
        json={"reason": "rung up twice"},
        headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert _ok(voided, 201)["paid_out_fen"] == 150_000
    await eventually(lambda: tier_is("standard", 0), timeout=15)
    ledger = _ok(await system["loyalty"].get(f"/members/{member['id']}/ledger", headers=ADMIN))
    assert sorted((e["kind"], e["source_type"]) for e in ledger["items"]) == [
        ("earn", "purchase"),
        ("reverse", "void"),
    ]
    summary = await eventually(lambda: counted(0), timeout=15)
    assert (summary["purchase_count"], summary["net_spend_fen"]) == (0, 0)
    # messaging: a member whose only sale was voided gets no welcome and no win-back
    await eventually(journeys, timeout=15)

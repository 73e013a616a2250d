"""A data directory of the previous release, upgraded by today's ``huiyuan up``: what its
members, stores and staff find afterwards, asked through the services' HTTP APIs.

``at_start`` is what the services answered once they had caught up after the upgrade,
before any test sent anything. Tests that add sales or returns measure their own effect
from what they read first, so they hold in any order.

Tests marked xfail wait for work of issue 10 that is not on main yet; each says whose.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from huiyuan import dlq
from shared import codes
from shared.jwks import development_signer
from shared.tokens import issue_token
from tests.stack import eventually
from tests.upgrade import previous_release as previous
from tests.upgrade.conftest import ADMIN, Upgraded

LILEI, HANMEIMEI = previous.member("lilei"), previous.member("hanmeimei")
OLIVER = previous.member("oliver")


def _ok(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def _new_sale(member: dict[str, str], fen: int = 10_000) -> dict[str, Any]:
    line = {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 1, "unit_price_fen": fen}
    return {**member, "lines": [line]}


async def _post_sale(system: Upgraded, store: str, body: dict[str, Any]) -> Any:
    headers = previous.store_headers(store, f"after-upgrade-{uuid.uuid4().hex[:12]}")
    return _ok(await system["orders"].post("/purchases", json=body, headers=headers))


async def _loyalty(system: Upgraded, member_id: str) -> Any:
    return await system.get("loyalty", f"/members/{member_id}/loyalty")


async def _ledger(system: Upgraded, member_id: str) -> list[int]:
    page = await system.get("loyalty", f"/members/{member_id}/ledger?limit=100")
    return [entry["points"] for entry in page["items"]]


async def _balance_becomes(system: Upgraded, member_id: str, balance: int) -> Any:
    async def reached() -> Any:
        account = await _loyalty(system, member_id)
        return account if account["balance"] == balance else None

    return await eventually(reached, timeout=15)


async def _store_sales(system: Upgraded, store: str) -> set[str]:
    headers = previous.store_headers(store)
    page = _ok(await system["orders"].get("/purchases?limit=200", headers=headers), 200)
    return {purchase["id"] for purchase in page["items"]}


def _replayed(response: httpx.Response) -> bool:
    return bool(response.headers.get("Idempotent-Replayed") == "true")


async def test_todays_migrations_build_the_previous_release_schema(upgraded: Upgraded) -> None:
    """Migrations already run in the field must keep building what they built; otherwise
    the dump would be loaded into a schema no user has."""

    def ddl(dump: str) -> list[str]:
        # the header names pg_dump's version; \restrict carries a random key per dump
        return [line for line in dump.splitlines() if line and not line.startswith(("--", "\\"))]

    assert ddl(upgraded.schema_at_previous_heads) == ddl(previous.SCHEMA_SQL.read_text())


async def test_every_member_is_still_there_with_their_card(upgraded: Upgraded) -> None:
    listed = await upgraded.get("customer", "/members?limit=100")
    cards = {item["id"]: item["card_number"] for item in listed["items"]}
    assert {m.id: m.card_number for m in previous.MEMBERS}.items() <= cards.items()
    for m in previous.MEMBERS:
        before, now = m.answers["member"], upgraded.at_start["members"][m.label]["member"]
        for field in ("card_number", "email", "locale", "gender", "store_id"):
            assert now[field] == before[field], (m.label, field)
        # marketing consent came later: a member of before takes marketing where they
        # took messages at all
        channels = before["consent"]
        assert now["consent"] == {**channels, "marketing": channels}, m.label
        assert codes.is_well_formed(codes.normalise(now["referral_code"])), m.label
        if m.label != "blank":  # a name of spaces, a birthday in 2099: the migration's call
            assert (now["name"], now["birthday"]) == (before["name"], before["birthday"])


async def test_points_tiers_and_ledgers_are_what_they_were(upgraded: Upgraded) -> None:
    for m in previous.MEMBERS:
        before, now = m.answers["loyalty"], upgraded.at_start["members"][m.label]
        assert now["loyalty"]["balance"] == before["balance"], m.label
        assert now["loyalty"]["qualifying_spend_fen"] == before["qualifying_spend_fen"], m.label
        assert now["loyalty"]["tier"]["code"] == before["tier"]["code"], m.label
        assert [e["points"] for e in now["ledger"]["items"]] == m.ledger, m.label
    assert upgraded.at_start["members"]["lilei"]["loyalty"]["tier"]["code"] == "vip"


async def test_nothing_the_previous_release_sent_is_sent_again(upgraded: Upgraded) -> None:
    """The relays publish every retained event again to the new broker; the consumers
    must know them, so no member gets a second welcome or points message."""
    inbox = upgraded.at_start["inbox"]
    assert (inbox.emails, inbox.sms) == ([], [])
    for m in previous.MEMBERS:
        # the previous release answered a bare list; a page of them since
        notifications = upgraded.at_start["members"][m.label]["notifications"]
        assert notifications["next_cursor"] is None, m.label
        assert len(notifications["items"]) == len(m.answers["notifications"]), m.label


async def test_analytics_still_counts_the_old_sales(upgraded: Upgraded) -> None:
    kpis = upgraded.at_start["kpis"]
    for figure in ("members", "purchasing_members", "purchases", "revenue_fen"):
        assert kpis[figure] == previous.RECORD["kpis"][figure], figure
    # renamed to say what it measures; the old name still answers, deprecated
    recorded = previous.RECORD["kpis"]["repeat_purchase_rate"]
    assert kpis["lifetime_repeat_customer_rate"] == kpis["repeat_purchase_rate"] == recorded
    for m in previous.MEMBERS:
        before, now = m.answers["summary"], upgraded.at_start["members"][m.label]["summary"]
        for figure in ("purchase_count", "spend_fen", "returned_fen", "net_spend_fen"):
            assert now[figure] == before[figure], (m.label, figure)
    assert upgraded.at_start["members"]["lilei"]["summary"]["tier_code"] == "vip"


async def test_analytics_knows_every_members_tier(upgraded: Upgraded) -> None:
    for m in previous.MEMBERS:
        now = upgraded.at_start["members"][m.label]
        assert now["summary"]["tier_code"] == now["loyalty"]["tier"]["code"], m.label


async def test_a_sale_by_card_earns_at_the_promoted_tier_once(upgraded: Upgraded) -> None:
    before = await _loyalty(upgraded, LILEI.id)
    ledger = await _ledger(upgraded, LILEI.id)
    summary = await upgraded.get("analytics", f"/members/{LILEI.id}/summary")

    sale = await _post_sale(upgraded, "flagship", _new_sale({"card_number": LILEI.card_number}))
    assert sale["member_id"] == LILEI.id
    after = await _balance_becomes(upgraded, LILEI.id, before["balance"] + 120)  # vip: 120%
    assert after["tier"]["code"] == "vip"
    assert after["qualifying_spend_fen"] == before["qualifying_spend_fen"] + 10_000
    assert await _ledger(upgraded, LILEI.id) == [120, *ledger]

    async def counted() -> bool:
        now = await upgraded.get("analytics", f"/members/{LILEI.id}/summary")
        return bool(now["purchase_count"] == summary["purchase_count"] + 1)

    await eventually(counted, timeout=15)  # the sale went all the way, and loyalty...
    assert (await _loyalty(upgraded, LILEI.id))["balance"] == before["balance"] + 120  # ...once


@pytest.mark.parametrize("typed", ["+86 138 0013 8000", "8613800138000"])
async def test_a_store_finds_an_old_member_by_a_phone_typed_another_way(
    upgraded: Upgraded, typed: str
) -> None:
    # Li Lei signed up as "+86 138-0013-8000"
    before = await _loyalty(upgraded, LILEI.id)
    sale = await _post_sale(upgraded, "flagship", _new_sale({"phone": typed}))
    assert sale["member_id"] == LILEI.id
    await _balance_becomes(upgraded, LILEI.id, before["balance"] + 120)


async def test_a_return_of_an_old_purchase_reverses_in_proportion_once(
    upgraded: Upgraded,
) -> None:
    """A-0003: 3 × 6,800 + 2 × 12,900 = 46,200 fen for 462 points; one of the two masks
    came back before the upgrade. One vitamin C now: 6,800/46,200 of 462 points is 68."""
    path = f"/purchases/{previous.PURCHASE_IDS['A-0003']}/returns"
    before = await _loyalty(upgraded, HANMEIMEI.id)
    ledger = await _ledger(upgraded, HANMEIMEI.id)

    both_masks = {"lines": [{"line_no": 2, "quantity": 2}]}
    headers = previous.store_headers("flagship", "A-0003-R2")
    refused = await upgraded["orders"].post(path, json=both_masks, headers=headers)
    assert refused.status_code == 422, refused.text  # one mask is left to return

    one_vitamin_c = {"lines": [{"line_no": 1, "quantity": 1}]}
    headers = previous.store_headers("flagship", "A-0003-R3")
    returned = _ok(await upgraded["orders"].post(path, json=one_vitamin_c, headers=headers))
    assert returned["amount_fen"] == 6_800
    after = await _balance_becomes(upgraded, HANMEIMEI.id, before["balance"] - 68)
    assert after["qualifying_spend_fen"] == before["qualifying_spend_fen"] - 6_800
    assert await _ledger(upgraded, HANMEIMEI.id) == [-68, *ledger]

    again = await upgraded["orders"].post(path, json=one_vitamin_c, headers=headers)
    assert (_ok(again)["id"], _replayed(again)) == (returned["id"], True)
    await asyncio.sleep(1)
    assert await _ledger(upgraded, HANMEIMEI.id) == [-68, *ledger]


@pytest.mark.parametrize(
    "key",
    [key for key, (_, body) in previous.SALES.items()],
)
async def test_a_store_retrying_an_old_sale_gets_the_first_answer(
    upgraded: Upgraded, key: str
) -> None:
    store, body = previous.SALES[key]
    sales = await _store_sales(upgraded, store)
    headers = previous.store_headers(store, key)
    response = await upgraded["orders"].post("/purchases", json=body, headers=headers)
    assert (_ok(response)["id"], _replayed(response)) == (previous.PURCHASE_IDS[key], True)
    assert await _store_sales(upgraded, store) == sales


async def test_the_doubled_receipt_answers_a_new_key_with_its_first_sale(
    upgraded: Upgraded,
) -> None:
    """B-0004 was recorded twice (keys till-7f3a and till-9c1e): both sales stay, but the
    receipt number now belongs to the first, so a third key gets the first sale again and
    another sale with B-0004 is refused."""
    store, body = previous.SALES["till-7f3a"]
    sales = await _store_sales(upgraded, store)
    assert {previous.PURCHASE_IDS["till-7f3a"], previous.PURCHASE_IDS["till-9c1e"]} <= sales

    again = await upgraded["orders"].post(
        "/purchases", json=body, headers=previous.store_headers(store, "till-2b40")
    )
    other = await upgraded["orders"].post(
        "/purchases",
        json=body | {"lines": [body["lines"][0] | {"quantity": 2}]},
        headers=previous.store_headers(store, "till-51d9"),
    )

    assert (_ok(again)["id"], _replayed(again)) == (previous.PURCHASE_IDS["till-7f3a"], True)
    assert other.status_code == 409, other.text
    assert other.json()["type"] == "urn:huiyuan:problem:receipt-reused"
    assert await _store_sales(upgraded, store) == sales


@pytest.mark.parametrize(
    "index",
    [index for index, sale in enumerate(previous.DAY_END_BATCH["sales"])],
)
async def test_a_store_retrying_an_old_batch_sale_gets_the_first_answer(
    upgraded: Upgraded, index: int
) -> None:
    sale = previous.DAY_END_BATCH["sales"][index]
    sales = await _store_sales(upgraded, "xuhui")
    response = await upgraded["orders"].post(
        "/purchases:batch", json={"sales": [sale]}, headers=previous.store_headers("xuhui")
    )
    [result] = _ok(response, 200)["results"]
    assert result["status"] == 201, result["error"]
    assert result["replayed"] is True
    assert result["purchase"]["id"] == previous.PURCHASE_IDS[sale["idempotency_key"]]
    assert await _store_sales(upgraded, "xuhui") == sales


async def test_a_store_retrying_an_old_return_gets_the_first_answer(upgraded: Upgraded) -> None:
    sale_key, key, body = previous.RETURN
    response = await upgraded["orders"].post(
        f"/purchases/{previous.PURCHASE_IDS[sale_key]}/returns",
        json=body,
        headers=previous.store_headers("flagship", key),
    )
    assert (_ok(response)["id"], _replayed(response)) == (previous.RECORD["return_id"], True)


async def test_a_member_retrying_an_old_redemption_gets_the_first_answer(
    upgraded: Upgraded,
) -> None:
    label, key, body = previous.REDEMPTION
    member = previous.member(label)
    # the previous release's `huiyuan token --member` token, as the member app sent it
    token = issue_token(
        development_signer(), subject=f"member:{member.id}", member_id=uuid.UUID(member.id)
    )
    before = await _loyalty(upgraded, member.id)
    response = await upgraded["loyalty"].post(
        f"/members/{member.id}/redemptions",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    assert _ok(response)["redemption_id"] == previous.RECORD["redemption_id"]
    assert _replayed(response)
    assert (await _loyalty(upgraded, member.id))["balance"] == before["balance"]


async def _sign_up_again(system: Upgraded, member: previous.Member) -> httpx.Response:
    key, body = member.signup
    assert key is not None
    # the previous release's `huiyuan token --role admin`, whose subject scopes the key
    token = issue_token(development_signer(), subject="cli-admin", role="admin")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return await system["customer"].post("/members", json=body, headers=headers)


@pytest.mark.parametrize(
    "label",
    [m.label for m in previous.MEMBERS if m.signup[0] is not None and m.label != OLIVER.label],
)
async def test_staff_retrying_an_old_sign_up_gets_the_first_answer(
    upgraded: Upgraded, label: str
) -> None:
    member = previous.member(label)
    response = await _sign_up_again(upgraded, member)
    assert _ok(response) == {"id": member.id, "card_number": member.card_number}
    assert _replayed(response)


async def test_an_old_sign_up_with_a_number_now_refused_creates_no_member(
    upgraded: Upgraded,
) -> None:
    """+44 7700 900123 is in Ofcom's range for drama: the previous release kept it, today's
    validation refuses it before the key is looked at."""
    members = await upgraded.get("customer", "/members?limit=100")
    response = await _sign_up_again(upgraded, OLIVER)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        assert response.json()["id"] == OLIVER.id
    assert await upgraded.get("customer", "/members?limit=100") == members


# What an upgrade can make of each stored phone. The previous release kept "+1 312 555 0147"
# as 13125550147, and nothing tells an upgrade it was not that mainland number. It kept
# "+44 7700 900123", in Ofcom's range for drama, which today's validation refuses: the
# upgrade keeps such a number as it was stored (he cannot be found by phone until it is
# corrected) rather than invent one.
E164 = {
    "lilei": "+8613800138000",
    "hanmeimei": "+8613800138001",
    "john": "+8613125550147",
    "oliver": "447700900123",
    "blank": "+8613900001111",
    "wangfang": "+8613900002222",
}


@pytest.mark.parametrize("label", list(E164))
async def test_an_old_members_phone_reads_as_e164(upgraded: Upgraded, label: str) -> None:
    assert upgraded.at_start["members"][label]["member"]["phone"] == E164[label]


async def test_an_old_members_phone_typed_another_way_cannot_sign_up_again(
    upgraded: Upgraded,
) -> None:
    # Han Meimei signed up as "13800138001"
    body = {"name": "韩梅梅", "phone": "+86 138 0013 8001"}
    response = await upgraded["customer"].post("/members", json=body, headers=ADMIN)
    assert response.status_code == 409, response.text


@pytest.mark.parametrize("label", ["hanmeimei"])
async def test_the_next_sms_to_an_old_member_goes_to_an_e164_number(
    upgraded: Upgraded, label: str
) -> None:
    member = previous.member(label)
    name = member.answers["member"]["name"]
    already = len(upgraded.inbox().sms)
    await _post_sale(upgraded, "xuhui", _new_sale({"card_number": member.card_number}))

    async def delivered() -> list[str] | None:
        to = [sms.to for sms in upgraded.inbox().sms[already:] if name in sms.text]
        return to or None

    assert await eventually(delivered, timeout=15) == [E164[label]]


async def test_no_event_was_parked_as_a_dead_letter(upgraded: Upgraded) -> None:
    """What ``huiyuan dlq list`` shows after the upgrade and all of the above."""
    parked = await asyncio.to_thread(dlq.list_parked, upgraded.stack.admin_url)
    assert [(str(name), letter.error_summary) for name, letter in parked] == []

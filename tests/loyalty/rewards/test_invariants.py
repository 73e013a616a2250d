"""The rewards invariants find stock and orders that disagree with the ledger, and the
database refuses an oversold item by itself."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions
from tests.loyalty.accounts.ledgers import tampering
from tests.loyalty.conftest import funded_member, key, ledger_sound
from tests.loyalty.households.conftest import household, pooled
from tests.loyalty.rewards.conftest import new_item
from tests.stack import Stack, member_headers


async def _placed(
    client: httpx.AsyncClient, sessions: Sessions
) -> tuple[uuid.UUID, dict[str, str], str]:
    member_id = await funded_member(sessions, 100_000)
    item = await new_item(client, point_price=100, stock=3)
    response = await client.post(
        f"/members/{member_id}/reward-orders",
        json={"item_id": item["id"]},
        headers=member_headers(member_id) | key(),
    )
    assert response.status_code == 201, response.text
    return member_id, item, response.json()["order_id"]


@pytest.mark.parametrize(
    ("corruption", "invariant", "detail"),
    [
        (
            "UPDATE loyalty.reward_items SET stock = stock + 1 WHERE id = :item",
            Invariant.REWARD_STOCK,
            "has 3 in stock; its stock movements add up to 2, the newest left 2",
        ),
        (
            "UPDATE loyalty.reward_orders SET status = 'cancelled', cancelled_at = now(), "
            "refund_entry_id = entry_id WHERE order_id = :order",
            Invariant.REWARD_ORDERS,
            "has no reward_refund entry",
        ),
        (
            "UPDATE loyalty.reward_orders SET points = 99 WHERE order_id = :order",
            Invariant.REWARD_ORDERS,
            "placed reward order {order} of 99 points has reward_order entry",
        ),
    ],
)
async def test_the_checker_finds_what_disagrees(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    corruption: str,
    invariant: Invariant,
    detail: str,
) -> None:
    member_id, item, order_id = await _placed(client, loyalty_sessions)
    async with loyalty_sessions() as session:
        assert (await check_ledger_invariants(session, members=[member_id])).ok
    async with loyalty_sessions() as session:  # rolled back at the end
        await session.execute(text(corruption), {"item": item["id"], "order": order_id})
        report = await check_ledger_invariants(session, members=[member_id])
        [violation] = report.of(invariant)
        assert str(violation.subject) == (
            item["id"] if invariant is Invariant.REWARD_STOCK else order_id
        )
        assert detail.format(order=order_id) in violation.detail
        # a cancelled order's unit counts as back in stock, so its stock disagrees too
        assert {v.invariant for v in report.violations} <= {invariant, Invariant.REWARD_STOCK}


@pytest.mark.parametrize(
    ("corruption", "detail"),
    [
        (
            "DELETE FROM loyalty.reward_stock_changes WHERE order_id = :order",
            "placed reward order {order} of 1 units moved the stock by None when placed and "
            "None when cancelled",
        ),
        (
            "UPDATE loyalty.reward_stock_changes SET change = -2 WHERE order_id = :order",
            "placed reward order {order} of 1 units moved the stock by -2 when placed",
        ),
        (
            "INSERT INTO loyalty.reward_stock_changes (item_id, kind, change, stock_after, "
            "order_id, reason, changed_by, changed_at) VALUES (:item, 'cancellation', 1, 2, "
            ":order, 'sneaked back', 'nobody', now())",
            "placed reward order {order} of 1 units moved the stock by -1 when placed and 1 "
            "when cancelled",
        ),
    ],
)
async def test_the_checker_finds_an_order_its_stock_movements_disagree_with(
    client: httpx.AsyncClient,
    loyalty_sessions: Sessions,
    corruption: str,
    detail: str,
) -> None:
    member_id, item, order_id = await _placed(client, loyalty_sessions)
    async with loyalty_sessions() as session:  # rolled back at the end
        await session.execute(text(corruption), {"item": item["id"], "order": order_id})
        report = await check_ledger_invariants(session, members=[member_id])
    found = {str(v.subject): v.detail for v in report.of(Invariant.REWARD_STOCK)}
    assert detail.format(order=order_id) in found.pop(order_id)
    assert set(found) == {item["id"]}  # and the item's stock no longer adds up


async def test_an_entry_naming_no_order_is_found(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id, _, _ = await _placed(client, loyalty_sessions)
    stray = uuid.uuid4()
    async with loyalty_sessions() as session:  # rolled back at the end
        await session.execute(
            text(
                "INSERT INTO loyalty.ledger_entries (id, account_id, source_type, source_id, "
                "points, balance_after, shortfall, created_at) SELECT gen_random_uuid(), "
                "account_id, 'reward_refund', :stray, 1, 0, 0, now() FROM loyalty.account_holders "
                "WHERE member_id = :member"
            ),
            {"stray": stray, "member": member_id},
        )
        report = await check_ledger_invariants(session, members=[member_id])
        assert any(
            v.invariant is Invariant.REWARD_ORDERS and v.subject == stray for v in report.violations
        ), str(report)


async def test_the_database_refuses_stock_below_zero(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    item = await new_item(client, stock=1)
    async with loyalty_sessions() as session:
        with pytest.raises(IntegrityError, match="ck_reward_items_stock"):
            await session.execute(
                text("UPDATE loyalty.reward_items SET stock = stock - 2 WHERE id = :item"),
                {"item": item["id"]},
            )


async def test_a_cancel_after_joining_a_household_passes_where_the_points_were(
    client: httpx.AsyncClient, loyalty_sessions: Sessions, stack: Stack
) -> None:
    member_id, _, order_id = await _placed(client, loyalty_sessions)  # 1,000 - 100 points
    head = await funded_member(loyalty_sessions, 30_000)
    await household(loyalty_sessions, head, member_id)
    cancel = await client.post(
        f"/members/{member_id}/reward-orders/{order_id}/cancel",
        json={},
        headers=member_headers(member_id) | key(),
    )
    assert cancel.status_code == 200, cancel.text
    state = await pooled(loyalty_sessions, member_id)
    assert (state.own_balance, state.pool_balance) == (0, 300 + 900 + 100)
    assert await ledger_sound(loyalty_sessions, head, member_id) == ()

    async with tampering(stack) as session:
        # no record of the joining: the refund should have been on the member's own account
        await session.execute(
            text("DELETE FROM loyalty.account_poolings WHERE account_id = :own"),
            {"own": state.own_account},
        )
        report = await check_ledger_invariants(session, members=[member_id])
    [violation] = report.of(Invariant.REWARD_ORDERS)
    assert str(violation.subject) == order_id
    assert "reward_refund entry" in violation.detail
    assert {v.invariant for v in report.violations} == {
        Invariant.REWARD_ORDERS,
        Invariant.HOUSEHOLDS,
    }

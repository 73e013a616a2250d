"""A return or void of a sale that redeemed a coupon gives it back as the definition's
``restore_on_return`` says, once per return however often its event comes.

The sale (see the conftest): line 1 is 2 × 74.50 yuan, line 2 1 × 101.23 yuan, 满150减30.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text

from shared.db import Sessions, transaction
from tests.loyalty.conftest import envelopes, handle, key, problem
from tests.loyalty.till_coupons.conftest import (
    SERVICE,
    Holder,
    commit,
    coupon_status,
    hold,
    holder,
    reserve_body,
    returned_event,
    sale_event,
    sound,
    voided_event,
)


async def _redeemed(
    client: httpx.AsyncClient, sessions: Sessions, **definition: Any
) -> tuple[Holder, uuid.UUID]:
    who = await holder(client, sessions, **definition)
    held = await hold(client, who)
    purchase_id = uuid.uuid4()
    assert (await commit(client, held, purchase_id)).status_code == 200
    await handle(sessions, sale_event(who, purchase_id))
    assert await coupon_status(client, who) == "redeemed"
    return who, purchase_id


async def test_below_the_threshold_after_a_return_the_coupon_comes_back(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    who, purchase_id = await _redeemed(client, loyalty_sessions)
    one_unit = returned_event(who, purchase_id, {1: 1})
    await handle(loyalty_sessions, one_unit)  # kept: 74.50 + 101.23 = 175.73 ≥ 150
    await handle(loyalty_sessions, one_unit)  # redelivered: counted once
    assert await coupon_status(client, who) == "redeemed"
    last = returned_event(who, purchase_id, {2: 1})
    await handle(loyalty_sessions, last)  # kept: 74.50 < 150
    assert await coupon_status(client, who) == "active"
    [released] = await envelopes(loyalty_sessions, who.member_id, "loyalty.coupon.released")
    assert released["data"]["reason"] == "returned"
    assert released["data"]["return_id"] == last.data["return_id"]
    assert released["data"]["purchase_id"] == str(purchase_id)
    again = await client.post(
        "/coupon-reservations", json=reserve_body(who), headers=SERVICE | key()
    )
    assert again.status_code == 201, again.text  # usable again on another sale
    await sound(loyalty_sessions, who)


async def test_on_full_return_only_everything_back_restores_it_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    who, purchase_id = await _redeemed(client, loyalty_sessions, restore_on_return="on_full_return")
    await handle(loyalty_sessions, returned_event(who, purchase_id, {2: 1}))
    first_unit = returned_event(who, purchase_id, {1: 1})
    await handle(loyalty_sessions, first_unit)
    await handle(loyalty_sessions, first_unit)  # counted twice, line 1 would look all back
    assert await coupon_status(client, who) == "redeemed"
    await handle(loyalty_sessions, returned_event(who, purchase_id, {1: 1}))
    assert await coupon_status(client, who) == "active"
    await sound(loyalty_sessions, who)


async def test_a_void_gives_it_back_unless_the_policy_is_never(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    kept, kept_sale = await _redeemed(client, loyalty_sessions, restore_on_return="never")
    await handle(loyalty_sessions, voided_event(kept, kept_sale))
    assert await coupon_status(client, kept) == "redeemed"
    back, back_sale = await _redeemed(client, loyalty_sessions)
    await handle(loyalty_sessions, voided_event(back, back_sale))
    await handle(loyalty_sessions, voided_event(back, back_sale))
    assert await coupon_status(client, back) == "active"
    reasons = [
        e["data"]["reason"]
        for e in await envelopes(loyalty_sessions, back.member_id, "loyalty.coupon.released")
    ]
    assert reasons == ["voided"]
    await sound(loyalty_sessions, kept)
    await sound(loyalty_sessions, back)


async def test_a_coupon_given_back_after_its_validity_stays_unusable(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    who, purchase_id = await _redeemed(client, loyalty_sessions)
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.coupons SET valid_from = now() - interval '2 days', "
                "valid_until = now() - interval '1 day' WHERE id = :c"
            ),
            {"c": who.coupon_id},
        )
    await handle(loyalty_sessions, returned_event(who, purchase_id, {1: 2, 2: 1}))
    assert await coupon_status(client, who) == "expired"
    refused = await client.post(
        "/coupon-reservations", json=reserve_body(who), headers=SERVICE | key()
    )
    assert problem(refused, 422)["detail"].startswith("expired:")
    await sound(loyalty_sessions, who)

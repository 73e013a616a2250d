"""Stored value is never pooled: a member's wallet stays theirs in a household, reachable
before, while and after, and a household partner neither sees nor spends it."""

from __future__ import annotations

import uuid

import httpx

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, handle
from tests.loyalty.households.conftest import created, joined, left
from tests.loyalty.reservations.conftest import TenderKind, commit, held, reserve, sale_event
from tests.loyalty.wallets.test_api import SEED_001, deposit, set_rules, wallet
from tests.loyalty.wallets.test_till import parts, sound

SV: TenderKind = "stored_value"


async def test_a_members_wallet_stays_their_own_through_joining_and_leaving(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    await set_rules(client, SEED_001)
    payer = await funded_member(loyalty_sessions, 100)
    other = await funded_member(loyalty_sessions, 100)
    await deposit(client, payer, uuid.uuid4(), 10_000)  # 10,000 + 10,000 bonus
    household_id = uuid.uuid4()
    await handle(loyalty_sessions, created(household_id, other, version=1))
    await handle(loyalty_sessions, joined(household_id, payer, version=1))

    assert parts(await wallet(client, payer)) == (10_000, 10_000)  # not pooled away
    assert parts(await wallet(client, other)) == (0, 0)  # nor shared
    hold = await held(client, payer, 2_000, tender=SV, amount_fen=2_000)
    purchase_id = uuid.uuid4()
    assert (await commit(client, hold, purchase_id, 2_000)).status_code == 200
    await handle(loyalty_sessions, sale_event(payer, purchase_id, 2_000, 2_000, SV))
    # 2,000 of the half-and-half lot: 1,000 principal and 1,000 bonus
    assert parts(await wallet(client, payer)) == (9_000, 9_000)
    refused = await reserve(client, other, 1_000, tender=SV, amount_fen=1_000)
    assert refused.status_code == 422, refused.text  # the partner has no stored value

    await handle(loyalty_sessions, left(household_id, payer, version=2))
    assert parts(await wallet(client, payer)) == (9_000, 9_000)
    await sound(loyalty_sessions, payer)

"""Loyalty applies an erasure: the birthday kept for birthday coupons goes, the account
and its ledger stay (the brand's accounts, by id), a redelivery changes nothing; the
member's own export shows the account as of one moment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx

from services.loyalty.coupons.birthdays.models import MemberBirthday
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberErased, MemberRegistered
from tests.contacts import put_member
from tests.loyalty.conftest import handle, ledger_of, purchase_event
from tests.stack import member_headers, staff_headers


async def test_the_birthday_goes_and_the_account_stays(
    loyalty_sessions: Sessions, client: httpx.AsyncClient
) -> None:
    member_id = uuid.uuid4()
    await put_member(member_id, phone="+8613800000000", name="韩梅梅", birthday=date(1990, 5, 17))
    registered = MemberRegistered(
        member_id=member_id,
        card_number=f"8860{uuid.uuid4().int % 10**9:09d}",
        phone_hash="0" * 64,
        registered_at=datetime.now(UTC),
    )
    await handle(loyalty_sessions, CloudEvent.of(registered, source="/huiyuan/customer"))
    await handle(loyalty_sessions, purchase_event(member_id, 25_800))
    ledger = await ledger_of(loyalty_sessions, member_id)
    async with loyalty_sessions() as session:
        assert await session.get(MemberBirthday, member_id) is not None

    exported = await client.get(f"/members/{member_id}/export", headers=member_headers(member_id))
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["loyalty"]["balance"] == sum(line.points for line in ledger)
    assert [entry["points"] for entry in body["ledger"]] == [line.points for line in ledger][::-1]
    assert (body["reward_orders"], body["referrals"], body["draws"]["items"]) == ([], [], [])
    refused = await client.get(f"/members/{member_id}/export", headers=staff_headers("service"))
    assert refused.status_code == 403, refused.text

    erased = MemberErased(member_id=member_id, erased_at=datetime.now(UTC))
    for _ in range(2):  # a redelivery changes nothing more
        await handle(loyalty_sessions, CloudEvent.of(erased, source="/huiyuan/customer"))
    async with loyalty_sessions() as session:
        assert await session.get(MemberBirthday, member_id) is None
    assert await ledger_of(loyalty_sessions, member_id) == ledger

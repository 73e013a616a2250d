"""The daily purge keeps what sign-in still needs: live codes and sign-ins, codes of the
last day and revoked sign-ins of the last week; it runs once per brand day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import col, select

from services.customer.config import Settings
from services.customer.signin import jobs
from services.customer.signin.models import RefreshFamily, RefreshToken, SigninCode
from shared.db import Sessions, transaction
from tests.customer.conftest import new_phone
from tests.stack import Stack, staff_headers

DAY = timedelta(days=1)


def _code(now: datetime, expired_ago: timedelta) -> SigninCode:
    return SigninCode(
        phone_hash=uuid.uuid4().hex,
        code_hash=uuid.uuid4().hex,
        purpose="sign_in",
        member_id=uuid.uuid4(),
        expires_at=now - expired_ago,
    )


def _family(
    member_id: uuid.UUID, now: datetime, *, revoked_ago: timedelta | None, token_left: timedelta
) -> tuple[RefreshFamily, RefreshToken]:
    family = RefreshFamily(
        id=uuid.uuid4(),
        member_id=member_id,
        revoked_at=None if revoked_ago is None else now - revoked_ago,
        revoked_reason=None if revoked_ago is None else "sign_out",
    )
    token = RefreshToken(
        token_hash=uuid.uuid4().hex * 2, family_id=family.id, expires_at=now + token_left
    )
    return family, token


async def test_the_purge_deletes_only_spent_codes_and_finished_sign_ins_once_a_day(
    stack: Stack, customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    created = await customer.post(
        "/members", json={"name": "李雷", "phone": new_phone()}, headers=staff_headers("service")
    )
    member_id = uuid.UUID(created.json()["id"])
    now = datetime.now(UTC) + timedelta(days=400)  # a day no other test's purge ran on
    old_code, recent_code = _code(now, 2 * DAY), _code(now, DAY / 2)
    live = _family(member_id, now, revoked_ago=None, token_left=DAY)
    recently_revoked = _family(member_id, now, revoked_ago=DAY, token_left=DAY)
    long_revoked = _family(member_id, now, revoked_ago=8 * DAY, token_left=DAY)
    expired = _family(member_id, now, revoked_ago=None, token_left=-DAY)
    async with transaction(customer_sessions) as session:
        session.add_all([old_code, recent_code])
        for family, _ in (live, recently_revoked, long_revoked, expired):
            session.add(family)
        await session.flush()
        session.add_all([token for _, token in (live, recently_revoked, long_revoked, expired)])

    settings = stack.settings("customer")
    assert isinstance(settings, Settings)
    daily = jobs.daily_jobs(settings)
    ran = await daily.run_due(customer_sessions, now)
    assert ran[jobs.JOB_NAME] >= 3
    assert await daily.run_due(customer_sessions, now) == {}  # once a day
    async with customer_sessions() as session:
        codes = set(await session.scalars(select(SigninCode.id)))
        families = set(
            await session.scalars(
                select(RefreshFamily.id).where(col(RefreshFamily.member_id) == member_id)
            )
        )
        tokens = set(await session.scalars(select(RefreshToken.family_id)))
    assert recent_code.id in codes
    assert old_code.id not in codes
    assert families == {live[0].id, recently_revoked[0].id}
    assert long_revoked[0].id not in tokens
    assert expired[0].id not in tokens

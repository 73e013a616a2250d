"""Coupons' daily jobs over the real database: expiry (only what passed its validity, not
a coupon a till holds, once, a crash mid-run resumed) and birthday grants (the brand's
day, 29 February on the 28th in other years, once per member and year, a crash resumed).

No app runs here (no ``client``), so no worker competes with the runs the tests make.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from services.loyalty.base import emit
from services.loyalty.coupons import jobs, service
from services.loyalty.coupons.birthdays import service as birthdays
from services.loyalty.coupons.birthdays.domain import celebrated_on
from services.loyalty.coupons.birthdays.schemas import BirthdayCouponIn
from services.loyalty.coupons.models import CouponDefinition
from services.loyalty.coupons.schemas import GrantIn
from services.loyalty.coupons.service import try_issue
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered, MemberUpdated
from tests.contacts import edit_member, put_member
from tests.loyalty.conftest import funded_member, handle, published


async def _definition(sessions: Sessions, *, per_member_limit: int = 5) -> CouponDefinition:
    row = CouponDefinition(
        name="生日满100减20",
        kind="threshold_off",
        terms={"threshold_fen": 10_000, "off_fen": 2_000},
        scope={"stores": [], "categories": [], "skus": []},
        valid_days=7,
        per_member_limit=per_member_limit,
        face_value_fen=2_000,
        stackable=False,
        created_by="test",
    )
    async with transaction(sessions) as session:
        session.add(row)
    return row


async def _granted(
    sessions: Sessions, member: uuid.UUID, definition: CouponDefinition, n: int
) -> list[str]:
    ids = []
    for i in range(n):
        async with transaction(sessions) as session:
            out = await service.grant(
                session,
                member,
                GrantIn(definition_id=definition.id, grant_key=f"k{i}"),
                show_code=False,
            )
        ids.append(str(out.id))
    return ids


async def _ended(sessions: Sessions, coupon_id: str, until: datetime) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.coupons SET valid_until = :until, "
                "valid_from = CAST(:until AS timestamptz) - interval '7 days' WHERE id = :id"
            ),
            {"id": coupon_id, "until": until},
        )


async def _statuses(sessions: Sessions, *coupon_ids: str) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT id::text, status FROM loyalty.coupons WHERE id::text = ANY(:ids)"),
            {"ids": list(coupon_ids)},
        )
        found: dict[str, str] = {row[0]: row[1] for row in rows}
    return [found[coupon_id] for coupon_id in coupon_ids]


async def test_expiry_takes_what_ended_once_and_not_what_a_till_holds(
    loyalty_sessions: Sessions,
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition = await _definition(loyalty_sessions)
    ended, held, current = await _granted(loyalty_sessions, member, definition, 3)
    now = datetime.now(UTC)
    await _ended(loyalty_sessions, ended, now - timedelta(hours=1))
    await _ended(loyalty_sessions, held, now - timedelta(minutes=1))
    async with transaction(loyalty_sessions) as till:
        await till.execute(
            text("SELECT 1 FROM loyalty.coupons WHERE id = :id FOR UPDATE"), {"id": held}
        )
        assert await jobs.expire_due(loyalty_sessions, now) >= 1
        assert await _statuses(loyalty_sessions, ended, held, current) == [
            "expired",
            "active",
            "active",
        ]
    assert await jobs.expire_due(loyalty_sessions, now) >= 1  # the till let go of it
    assert await _statuses(loyalty_sessions, ended, held, current) == [
        "expired",
        "expired",
        "active",
    ]
    await jobs.expire_due(loyalty_sessions, now)
    expired = await published(loyalty_sessions, member, "loyalty.coupon.expired")
    assert sorted(event["coupon_id"] for event in expired) == sorted([ended, held])
    first = next(event for event in expired if event["coupon_id"] == ended)
    assert first["definition_name"] == "生日满100减20"
    assert first["valid_until"] == (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")


async def test_an_expiry_run_cut_short_is_resumed_without_doubles(
    loyalty_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition = await _definition(loyalty_sessions)
    first, second = await _granted(loyalty_sessions, member, definition, 2)
    await _ended(loyalty_sessions, first, datetime(2000, 1, 1, tzinfo=UTC))
    await _ended(loyalty_sessions, second, datetime(2000, 1, 2, tzinfo=UTC))
    real_emit = emit
    calls = 0

    async def crashing(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("the process died")
        await real_emit(*args)

    monkeypatch.setattr("services.loyalty.coupons.jobs.emit", crashing)
    with pytest.raises(ConnectionError):
        await jobs.expire_due(loyalty_sessions, datetime.now(UTC), batch=1)
    assert await _statuses(loyalty_sessions, first, second) == ["expired", "active"]
    monkeypatch.setattr("services.loyalty.coupons.jobs.emit", real_emit)
    await jobs.expire_due(loyalty_sessions, datetime.now(UTC), batch=1)
    assert await _statuses(loyalty_sessions, first, second) == ["expired", "expired"]
    expired = await published(loyalty_sessions, member, "loyalty.coupon.expired")
    assert sorted(event["coupon_id"] for event in expired) == sorted([first, second])


@pytest.mark.parametrize(
    ("day", "celebrated"),
    [
        (date(2027, 2, 28), ((2, 28), (2, 29))),
        (date(2028, 2, 28), ((2, 28),)),
        (date(2028, 2, 29), ((2, 29),)),
        (date(2027, 3, 1), ((3, 1),)),
        (date(2026, 12, 31), ((12, 31),)),
    ],
)
def test_29_february_is_celebrated_on_the_28th_in_other_years(
    day: date, celebrated: tuple[tuple[int, int], ...]
) -> None:
    assert celebrated_on(day) == celebrated


async def _registered(sessions: Sessions, birthday: date | None) -> uuid.UUID:
    """A member made at customer with ``birthday``, registered at loyalty (which reads it)."""
    member_id = uuid.uuid4()
    await put_member(member_id, phone="+8613800000001", birthday=birthday)
    payload = MemberRegistered(
        member_id=member_id,
        card_number=f"8860{member_id.int % 10**9:09d}",
        phone_hash="1" * 64,
        registered_at=datetime.now(UTC),
    )
    await handle(sessions, CloudEvent.of(payload, source="/huiyuan/customer"))
    return member_id


@pytest.fixture
async def birthday_coupon(loyalty_sessions: Sessions) -> AsyncIterator[CouponDefinition]:
    definition = await _definition(loyalty_sessions)
    async with transaction(loyalty_sessions) as session:
        await birthdays.set_setting(
            session, BirthdayCouponIn(definition_id=definition.id), by="test"
        )
    yield definition
    async with transaction(loyalty_sessions) as session:
        await birthdays.set_setting(session, BirthdayCouponIn(definition_id=None), by="test")


async def _grant_keys(sessions: Sessions, member: uuid.UUID) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            text("SELECT grant_key FROM loyalty.coupons WHERE member_id = :m ORDER BY grant_key"),
            {"m": member},
        )
        return list(rows)


def _brand(day: date, hour: int) -> datetime:
    """``hour`` o'clock of ``day`` in Shanghai (UTC+8), as an instant."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


async def test_birthday_coupons_on_the_brands_day_once_a_year(
    loyalty_sessions: Sessions, birthday_coupon: CouponDefinition
) -> None:
    leapling = await _registered(loyalty_sessions, date(1992, 2, 29))
    on_28th = await _registered(loyalty_sessions, date(1985, 2, 28))
    march = await _registered(loyalty_sessions, date(1990, 3, 1))
    unknown = await _registered(loyalty_sessions, None)
    async with loyalty_sessions() as session:
        kept = (
            await session.execute(
                text("SELECT month, day FROM loyalty.member_birthdays WHERE member_id = :m"),
                {"m": leapling},
            )
        ).one()
    assert tuple(kept) == (2, 29)

    # 00:30 on 28 Feb 2027 in Shanghai is still the 27th in UTC: the brand's day counts
    await birthdays.grant_birthday_coupons(
        loyalty_sessions, _brand(date(2027, 2, 28), 0) + timedelta(minutes=30)
    )
    await birthdays.grant_birthday_coupons(loyalty_sessions, _brand(date(2027, 2, 28), 9))
    assert await _grant_keys(loyalty_sessions, leapling) == ["birthday-2027"]
    assert await _grant_keys(loyalty_sessions, on_28th) == ["birthday-2027"]
    assert await _grant_keys(loyalty_sessions, march) == []
    await birthdays.grant_birthday_coupons(loyalty_sessions, _brand(date(2027, 3, 1), 9))
    assert await _grant_keys(loyalty_sessions, march) == ["birthday-2027"]

    await birthdays.grant_birthday_coupons(loyalty_sessions, _brand(date(2028, 2, 28), 9))
    assert await _grant_keys(loyalty_sessions, leapling) == ["birthday-2027"]
    assert await _grant_keys(loyalty_sessions, on_28th) == ["birthday-2027", "birthday-2028"]
    await birthdays.grant_birthday_coupons(loyalty_sessions, _brand(date(2028, 2, 29), 9))
    assert await _grant_keys(loyalty_sessions, leapling) == ["birthday-2027", "birthday-2028"]
    assert await _grant_keys(loyalty_sessions, unknown) == []
    granted = await published(loyalty_sessions, leapling, "loyalty.coupon.granted")
    assert [event["definition_id"] for event in granted] == [str(birthday_coupon.id)] * 2
    # messaging names a birthday coupon in the member's birthday greeting
    assert [event["occasion"] for event in granted] == ["birthday"] * 2


async def test_a_birthday_run_cut_short_is_resumed_without_doubles(
    loyalty_sessions: Sessions,
    birthday_coupon: CouponDefinition,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = _brand(date(2027, 5, 17), 9)
    # Members of earlier tests may be born on 17 May too (tests/customer/privacy's are, and
    # reach loyalty through the broker): theirs first, and the crash counts these three only
    others = await birthdays.grant_birthday_coupons(loyalty_sessions, day, batch=1)
    members = sorted([await _registered(loyalty_sessions, date(1980, 5, 17)) for _ in range(3)])
    real = try_issue
    calls = 0

    async def crashing(session: Any, definition: Any, member_id: uuid.UUID, *rest: Any) -> Any:
        nonlocal calls
        if member_id in members:
            calls += 1
        if calls == 2:
            raise ConnectionError("the process died")
        return await real(session, definition, member_id, *rest)

    monkeypatch.setattr("services.loyalty.coupons.birthdays.service.try_issue", crashing)
    with pytest.raises(ConnectionError):
        await birthdays.grant_birthday_coupons(loyalty_sessions, day, batch=1)
    assert [await _grant_keys(loyalty_sessions, m) for m in members] == [["birthday-2027"], [], []]
    monkeypatch.setattr("services.loyalty.coupons.birthdays.service.try_issue", real)
    assert await birthdays.grant_birthday_coupons(loyalty_sessions, day, batch=1) == 3 + others
    assert [await _grant_keys(loyalty_sessions, m) for m in members] == [["birthday-2027"]] * 3
    assert [
        len(await published(loyalty_sessions, m, "loyalty.coupon.granted")) for m in members
    ] == [1, 1, 1]


async def _kept_birthday(sessions: Sessions, member_id: uuid.UUID) -> tuple[int, int] | None:
    async with sessions() as session:
        row = (
            await session.execute(
                text("SELECT month, day FROM loyalty.member_birthdays WHERE member_id = :m"),
                {"m": member_id},
            )
        ).first()
    return None if row is None else (row.month, row.day)


async def _birthday_edit(member_id: uuid.UUID, born: date | None, *, changed: str) -> CloudEvent:
    """The birthday set to ``born`` at customer, and an update naming ``changed``."""
    await edit_member(member_id, birthday=born, fields=("birthday",))
    payload = MemberUpdated(
        member_id=member_id,
        changed=(changed,),
        updated_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def test_a_profile_edit_of_the_birthday_moves_or_removes_the_day_kept(
    loyalty_sessions: Sessions,
) -> None:
    member_id = await _registered(loyalty_sessions, date(1990, 3, 1))
    await handle(
        loyalty_sessions, await _birthday_edit(member_id, date(1990, 7, 15), changed="birthday")
    )
    assert await _kept_birthday(loyalty_sessions, member_id) == (7, 15)
    await handle(loyalty_sessions, await _birthday_edit(member_id, None, changed="locale"))
    assert await _kept_birthday(loyalty_sessions, member_id) == (7, 15)  # not a birthday edit
    await handle(loyalty_sessions, await _birthday_edit(member_id, None, changed="birthday"))
    assert await _kept_birthday(loyalty_sessions, member_id) is None

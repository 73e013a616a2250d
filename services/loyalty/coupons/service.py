"""Use cases of coupons: definitions added by marketing and read by staff, coupons granted
to a member and listed. Flush, never commit.

A grant takes the definition's row lock first (``repository.reserve``), so grants of one
definition are serialised: the quantity, the budget and the per-member limit are read
after it and hold under any concurrency (a refused grant rolls the reservation back with
its transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from services.loyalty.accounts.errors import AccountNotFound
from services.loyalty.accounts.service import account_of
from services.loyalty.base import emit
from services.loyalty.coupons import domain, repository
from services.loyalty.coupons.errors import (
    CouponDefinitionEnded,
    CouponDefinitionNotFound,
    CouponLimitReached,
    CouponsExhausted,
)
from services.loyalty.coupons.kinds import KindName
from services.loyalty.coupons.models import Coupon, CouponDefinition
from services.loyalty.coupons.schemas import (
    CouponList,
    CouponOut,
    CouponStatus,
    DefinitionIn,
    DefinitionList,
    DefinitionOut,
    GrantIn,
)
from shared import codes
from shared.db import AsyncSession
from shared.errors import ProblemError
from shared.events.coupons import CouponGranted, CouponOccasion, CouponWithdrawn
from shared.inputs import input_defaults
from shared.pagination import PageKey, as_key, encode_cursor, keyset_page


def _out(row: CouponDefinition) -> DefinitionOut:
    return DefinitionOut.model_validate(row, from_attributes=True)


async def create_definition(session: AsyncSession, body: DefinitionIn, *, by: str) -> DefinitionOut:
    """A new definition, nothing issued yet; its face value is the most one coupon of it
    takes off (the kind's off, cap, value or gift unit, fen)."""
    row = CouponDefinition(
        name=body.name,
        kind=body.terms.kind,
        terms=body.terms.model_dump(mode="json", exclude={"kind"}),
        scope=body.scope.model_dump(mode="json"),
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        valid_days=body.valid_days,
        per_member_limit=body.per_member_limit,
        quantity=body.quantity,
        budget_fen=body.budget_fen,
        face_value_fen=body.terms.face_value_fen,
        stackable=body.stackable,
        restore_on_return=body.restore_on_return,
        expiring_notice_days=body.expiring_notice_days,
        created_by=by,
    )
    await repository.add_definition(session, row)
    return _out(row)


async def get_definition(session: AsyncSession, definition_id: uuid.UUID) -> DefinitionOut:
    """Raises :class:`CouponDefinitionNotFound` (404)."""
    row = await repository.definition(session, definition_id)
    if row is None:
        raise CouponDefinitionNotFound(f"No coupon definition {definition_id}")
    return _out(row)


async def list_definitions(
    session: AsyncSession, limit: int, before: PageKey | None
) -> DefinitionList:
    """The definitions newest first, ``limit`` at a time after the page that ended at
    ``before``."""
    rows, next_cursor = keyset_page(
        await repository.newest(session, limit + 1, as_key(before)),
        limit,
        lambda row: encode_cursor(row.created_at, row.id),
    )
    return DefinitionList(items=[_out(row) for row in rows], next_cursor=next_cursor)


_CODE_DRAWS = 3
"""A code is drawn again when taken; at 60 bits three draws all colliding is beyond chance."""


async def granted_before(
    session: AsyncSession, definition_id: uuid.UUID, member_id: uuid.UUID, grant_key: str
) -> bool:
    """Whether the member was granted a coupon of the definition under ``grant_key``."""
    return await repository.granted(session, definition_id, member_id, grant_key) is not None


async def grant(
    session: AsyncSession,
    member_id: uuid.UUID,
    body: GrantIn,
    *,
    show_code: bool,
    campaign_id: uuid.UUID | None = None,
    occasion: CouponOccasion | None = None,
) -> CouponOut:
    """A coupon of the definition for the member, on the account their points are on (a
    household's while they are in one), publishing ``loyalty.coupon.granted``; a
    campaign's giveaway names itself (``campaign_id``) on both, a lottery's prize its
    ``occasion`` on the event. The same
    ``grant_key`` again answers the coupon it granted. Raises
    :class:`CouponDefinitionNotFound` (404), ``AccountNotFound`` (404),
    :class:`CouponDefinitionEnded`, :class:`CouponsExhausted` or
    :class:`CouponLimitReached` (409)."""
    definition = await repository.definition(session, body.definition_id)
    if definition is None:
        raise CouponDefinitionNotFound(
            f"No coupon definition {body.definition_id}", field="definition_id"
        )
    now = datetime.now(UTC)
    coupon = await issue(session, definition, member_id, body.grant_key, now, campaign_id, occasion)
    return _coupon_out(coupon, definition, show_code=show_code)


async def issue(
    session: AsyncSession,
    definition: CouponDefinition,
    member_id: uuid.UUID,
    grant_key: str,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
    occasion: CouponOccasion | None = None,
) -> Coupon:
    """The coupon of ``(definition, member, grant_key)``: the one granted before, or a new
    one (publishing ``loyalty.coupon.granted``, with ``occasion`` when the birthday grant
    gives it), valid from ``now``; a campaign's giveaway names itself (``campaign_id``) on
    both. Every grant, one member's, a batch's, a rule's
    or a campaign's, goes through here. Raises ``AccountNotFound``,
    :class:`CouponDefinitionEnded`, :class:`CouponsExhausted` or
    :class:`CouponLimitReached` after writing nothing but the counter a refused limit
    took: the caller rolls back (see :func:`try_issue`)."""
    earlier = await repository.granted(session, definition.id, member_id, grant_key)
    if earlier is not None:
        return earlier
    # a grant racing with the same key waits here, then finds the other's coupon
    await repository.lock_definition(session, definition.id)
    earlier = await repository.granted(session, definition.id, member_id, grant_key)
    if earlier is not None:
        return earlier
    account = await account_of(session, member_id)
    window = (
        (definition.valid_from, definition.valid_until)
        if definition.valid_from is not None and definition.valid_until is not None
        else None
    )
    valid_from, valid_until = domain.validity(
        now, input_defaults().business_timezone, window=window, days=definition.valid_days
    )
    if valid_until <= now:
        raise CouponDefinitionEnded(f"{definition.name!r} was valid until {valid_until}")
    if not await repository.reserve(session, definition.id):
        raise CouponsExhausted(f"{definition.name!r} has no coupons left to grant")
    if await repository.held(session, definition.id, member_id) >= definition.per_member_limit:
        raise CouponLimitReached(
            f"member {member_id} holds {definition.per_member_limit} of {definition.name!r}"
        )
    coupon = Coupon(
        code="",
        definition_id=definition.id,
        account_id=account.account_id,
        member_id=member_id,
        grant_key=grant_key,
        status="active",
        valid_from=valid_from,
        valid_until=valid_until,
        granted_at=now,
        campaign_id=campaign_id,
    )
    for _ in range(_CODE_DRAWS):
        coupon.code = codes.new_code()
        if await repository.add_coupon(session, coupon.model_dump()):
            break
    else:
        raise RuntimeError("three coupon codes drawn were all taken")
    await emit(
        session,
        CouponGranted(
            coupon_id=coupon.id,
            member_id=member_id,
            account_id=account.account_id,
            definition_id=definition.id,
            definition_name=definition.name,
            kind=definition.kind,
            face_value_fen=definition.face_value_fen,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_at=now,
            campaign_id=campaign_id,
            occasion=occasion,
        ),
    )
    return coupon


async def holders(
    session: AsyncSession,
    definition_id: uuid.UUID,
    grant_key: str,
    member_ids: Sequence[uuid.UUID],
) -> set[uuid.UUID]:
    """Those of the members granted a coupon of the definition under ``grant_key``."""
    return await repository.holders(session, definition_id, grant_key, member_ids)


GRANT_REFUSALS: dict[type[ProblemError], str] = {
    AccountNotFound: "no_account",
    CouponDefinitionEnded: "definition_ended",
    CouponsExhausted: "quantity_exhausted",
    CouponLimitReached: "per_member_limit",
}
"""The reason a grant by a batch or a rule records for each refusal."""


async def try_issue(
    session: AsyncSession,
    definition: CouponDefinition,
    member_id: uuid.UUID,
    grant_key: str,
    now: datetime,
    occasion: CouponOccasion | None = None,
) -> Coupon | str:
    """:func:`issue` in a savepoint: the coupon, or the reason it was refused (one of
    :data:`GRANT_REFUSALS`' values) with nothing of the attempt left written, so a batch
    goes on with its next member."""
    try:
        async with session.begin_nested():
            return await issue(session, definition, member_id, grant_key, now, occasion=occasion)
    except tuple(GRANT_REFUSALS) as refused:
        # the savepoint's rollback expired the definition the reserve had counted on
        await session.refresh(definition)
        return GRANT_REFUSALS[type(refused)]


async def withdraw(session: AsyncSession, coupon_id: uuid.UUID, *, purchase_id: uuid.UUID) -> bool:
    """Takes back a coupon a campaign gave for ``purchase_id`` if it is still unused (status
    active), publishing ``loyalty.coupon.withdrawn``; whether it was. A coupon used, held
    at a till, expired or withdrawn before stays as it is. The definition's ``issued`` and
    the member's per-member count keep it: a withdrawn coupon was issued."""
    coupon = await repository.withdraw(session, coupon_id)
    if coupon is None or coupon.campaign_id is None:
        return False
    await emit(
        session,
        CouponWithdrawn(
            coupon_id=coupon.id,
            member_id=coupon.member_id,
            account_id=coupon.account_id,
            definition_id=coupon.definition_id,
            campaign_id=coupon.campaign_id,
            purchase_id=purchase_id,
            withdrawn_at=datetime.now(UTC),
        ),
    )
    return True


async def count_by_campaign(session: AsyncSession) -> dict[uuid.UUID, int]:
    """Coupons granted by each campaign's giveaway (for the audit), whatever their state."""
    return await repository.count_by_campaign(session)


async def held_by_member(session: AsyncSession, definition_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Coupons of the definition each member was granted, whatever their state, as the
    per-member limit counts them (members granted none left out)."""
    return await repository.held_by_member(session, definition_id)


async def coupons_of(
    session: AsyncSession,
    member_id: uuid.UUID,
    *,
    show_code: bool,
    limit: int,
    before: PageKey | None,
) -> CouponList:
    """The coupons on the member's account, the latest granted first, ``limit`` at a time
    after the page that ended at ``before``. Raises ``AccountNotFound`` (404)."""
    account = await account_of(session, member_id)
    rows, next_cursor = keyset_page(
        await repository.coupons_of_account(session, account.account_id, limit + 1, as_key(before)),
        limit,
        lambda row: encode_cursor(row[0].granted_at, row[0].id),
    )
    return CouponList(
        items=[_coupon_out(c, d, show_code=show_code) for c, d in rows], next_cursor=next_cursor
    )


def _coupon_out(coupon: Coupon, definition: CouponDefinition, *, show_code: bool) -> CouponOut:
    expired = coupon.status == "expired" or (
        coupon.status == "active" and coupon.valid_until <= datetime.now(UTC)
    )
    return CouponOut(
        id=coupon.id,
        code=codes.display(coupon.code) if show_code else codes.masked(coupon.code),
        definition_id=definition.id,
        name=definition.name,
        kind=KindName(definition.kind),
        terms=definition.terms,
        status="expired" if expired else cast(CouponStatus, coupon.status),
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        granted_at=coupon.granted_at,
        campaign_id=coupon.campaign_id,
    )


class _Granted(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def valid_from(self) -> datetime: ...
    @property
    def valid_until(self) -> datetime: ...


class _Defined(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def terms(self) -> dict[str, Any]: ...
    @property
    def scope(self) -> dict[str, Any]: ...
    @property
    def stackable(self) -> bool: ...


def priced_coupon(coupon: _Granted, definition: _Defined) -> domain.Coupon:
    """The coupon as pricing sees it, from its and its definition's rows (or one row)."""
    scope = definition.scope
    return domain.Coupon(
        code=coupon.code,
        kind=KindName(definition.kind),
        terms=definition.terms,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        scope=domain.Scope(
            stores=frozenset(uuid.UUID(store) for store in scope.get("stores", ())),
            categories=frozenset(scope.get("categories", ())),
            skus=frozenset(scope.get("skus", ())),
        ),
        stackable=definition.stackable,
    )


async def try_grant(
    session: AsyncSession,
    definition_id: uuid.UUID,
    member_id: uuid.UUID,
    grant_key: str,
    now: datetime,
    occasion: CouponOccasion | None = None,
) -> Coupon | str:
    """:func:`try_issue` for a definition by id, for grants by rule outside coupons
    (``occasion`` on the event when the grant has a notice of its own, such as a
    referral's reward). Raises :class:`CouponDefinitionNotFound` for an unknown definition."""
    definition = await repository.definition(session, definition_id)
    if definition is None:
        raise CouponDefinitionNotFound(f"No coupon definition {definition_id}")
    return await try_issue(session, definition, member_id, grant_key, now, occasion)

"""Use cases of coupon definitions: added by marketing, read by staff. Flush, never commit."""

from __future__ import annotations

import uuid

from services.loyalty.coupons import repository
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.coupons.models import CouponDefinition
from services.loyalty.coupons.schemas import DefinitionIn, DefinitionList, DefinitionOut
from shared.db import AsyncSession


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


async def list_definitions(session: AsyncSession, limit: int) -> DefinitionList:
    """The newest ``limit`` definitions, newest first."""
    return DefinitionList(items=[_out(row) for row in await repository.newest(session, limit)])

"""What the loyalty use cases share: the event source, emitting, the locked program and account."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.loyalty import domain, repository
from services.loyalty.domain import Rung
from services.loyalty.models import Account, EarningRule, outbox
from shared.db import AsyncSession
from shared.events import CloudEvent, EventPayload
from shared.events.loyalty import TierChanged

SOURCE = "/huiyuan/loyalty"


async def emit(session: AsyncSession, member_id: uuid.UUID, *payloads: EventPayload) -> None:
    await outbox.add(
        session, *(CloudEvent.of(p, source=SOURCE, subject=member_id) for p in payloads)
    )


def tier_changed(
    member_id: uuid.UUID, from_tier: str, to: Rung, direction: domain.Direction, spend_fen: int
) -> TierChanged:
    return TierChanged(
        member_id=member_id,
        from_tier=from_tier,
        to_tier=to.code,
        to_tier_name=to.name,
        direction=direction,
        qualifying_spend_fen=spend_fen,
    )


async def current_ladder(session: AsyncSession) -> list[Rung]:
    return [Rung(t.code, t.name, t.threshold_fen) for t in await repository.ladder(session)]


async def locked_program(session: AsyncSession) -> tuple[EarningRule, list[Rung]]:
    """The earning rule and ladder, held ``FOR SHARE`` until the transaction ends."""
    rule = await repository.earning_rule(session, lock="share")
    return rule, await current_ladder(session)


async def locked_account(
    session: AsyncSession, member_id: uuid.UUID, ladder: Sequence[Rung]
) -> Account:
    """The member's account, locked; opened at the base tier if the member is new to us."""
    account = await repository.account(session, member_id, lock=True)
    if account is None:
        await repository.open_account(session, member_id, domain.tier_for_spend(ladder, 0).code)
        account = await repository.account(session, member_id, lock=True)
    assert account is not None
    return account

"""Replacing the ladder places members whose tier is gone."""

from __future__ import annotations

from sqlalchemy import select

from services.loyalty.base import outbox
from services.loyalty.program.schemas import TierIn
from services.loyalty.rules.service import get_earning_rule
from services.loyalty.tiers.service import replace_ladder, standing_of
from shared.db import Sessions
from tests.loyalty.conftest import LADDER, account_of, funded_member


async def test_replacing_the_ladder_moves_members_whose_tier_is_gone(
    loyalty_sessions: Sessions,
) -> None:
    on_vip = await funded_member(loyalty_sessions, 300_000)
    on_standard = await funded_member(loyalty_sessions, 10_000)
    without_vip = [LADDER[0], TierIn(code="gold", name="金卡", threshold_fen=200_000), *LADDER[2:]]
    async with loyalty_sessions() as session, session.begin():
        replaced = await replace_ladder(session, without_vip)
        assert replaced.accounts_moved >= 1
        moved = await standing_of(session, on_vip)
        assert moved is not None
        assert moved.tier_code == "gold"
        kept = await standing_of(session, on_standard)
        assert kept is not None
        assert kept.tier_code == "standard"
        rule = await get_earning_rule(session)
        assert "vip" not in rule.tier_multipliers_percent
        changes = (
            await session.scalars(
                select(outbox.table.c.envelope)
                .where(
                    outbox.table.c.key == str(on_vip),
                    outbox.table.c.event_type == "loyalty.tier.changed",
                )
                .order_by(outbox.table.c.seq)
            )
        ).all()
        assert [(c["data"]["from_tier"], c["data"]["to_tier"]) for c in changes][-1] == (
            "vip",
            "gold",
        )
        assert changes[-1]["data"]["direction"] == "up"  # 100,000 → 200,000 fen
        await session.rollback()  # the program is shared: leave the seeds ladder in place
    account = await account_of(loyalty_sessions, on_vip)
    assert account is not None
    assert (account.tier_code, account.balance) == ("vip", 3_000)

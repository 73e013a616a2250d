"""The tier chain's use case: estimate it over a range of months and value each tier."""

from __future__ import annotations

from datetime import date

from services.analytics.clv.tiers import domain, repository
from services.analytics.clv.tiers.schemas import TierChain, TierState
from shared.db import AsyncSession


def _label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


async def chain(
    session: AsyncSession,
    first: date,
    last: date,
    zone: str,
    annual_discount_rate: float,
    horizon: int,
) -> TierChain:
    """From the month starts ``first`` to ``last`` (first days of months, ``last`` later):
    the moves between consecutive starts, each tier's mean monthly spend and its CLV at the
    monthly rate equivalent to ``annual_discount_rate``."""
    periods = (last.year - first.year) * 12 + last.month - first.month
    estimated = domain.estimate(await repository.moves(session, first, periods, zone))
    spent = await repository.spend(session, first, periods, zone)
    contribution = [spent[state].mean_fen if state in spent else 0.0 for state in estimated.states]
    monthly = (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    values = domain.values(estimated.transitions, contribution, monthly, horizon)
    return TierChain(
        from_month=_label(first),
        to_month=_label(last),
        annual_discount_rate=annual_discount_rate,
        horizon_months=horizon,
        states=[
            TierState(
                tier_code=state,
                member_months=spent[state].member_months if state in spent else 0,
                monthly_spend_fen=round(contribution[i]),
                transitions={
                    target: round(estimated.transitions[i][j], 6)
                    for j, target in enumerate(estimated.states)
                },
                clv_fen=round(values[i]),
            )
            for i, state in enumerate(estimated.states)
        ],
    )

"""Campaigns' invariant, checked against the database: its part of
:func:`services.loyalty.points.invariants.check_ledger_invariants`.

- ``campaign_budgets``: what each campaign records as given (``spent_points``) is what
  the purchases' breakdowns say it gave, and never more than its budget: no point given
  unrecorded, none recorded ungiven, no budget exceeded.

It reads the table directly: it is an audit, not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select

from services.loyalty.accounts.invariants import Invariant, Violation
from services.loyalty.campaigns.models import CampaignRow
from shared.db import AsyncSession

_campaigns = CampaignRow.__table__  # type: ignore[attr-defined]


async def budget_violations(
    session: AsyncSession, given: Mapping[uuid.UUID, int]
) -> list[Violation]:
    """Every violation of ``campaign_budgets``; ``given`` is the points each campaign gave
    by the purchases' breakdowns (a campaign that gave none may be left out)."""
    query = select(_campaigns.c.campaign_id, _campaigns.c.spent_points, _campaigns.c.budget_points)
    violations: list[Violation] = []
    for row in await session.execute(query):
        spent = given.get(row.campaign_id, 0)
        if row.spent_points != spent:
            violations.append(
                Violation(
                    Invariant.CAMPAIGN_BUDGETS,
                    row.campaign_id,
                    f"campaign {row.campaign_id} records {row.spent_points} points given; "
                    f"purchases' breakdowns say {spent}",
                )
            )
        if row.budget_points is not None and row.spent_points > row.budget_points:
            violations.append(
                Violation(
                    Invariant.CAMPAIGN_BUDGETS,
                    row.campaign_id,
                    f"campaign {row.campaign_id} gave {row.spent_points} points, "
                    f"past its budget of {row.budget_points}",
                )
            )
    unknown = set(given) - {row.campaign_id for row in await session.execute(query)}
    violations += [
        Violation(
            Invariant.CAMPAIGN_BUDGETS,
            campaign_id,
            f"purchases name campaign {campaign_id}, which does not exist",
        )
        for campaign_id in sorted(unknown)
    ]
    return violations

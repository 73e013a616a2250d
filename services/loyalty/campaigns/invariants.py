"""Campaigns' invariant, checked against the database: its part of
:func:`services.loyalty.points.invariants.check_ledger_invariants`.

- ``campaign_budgets``: what each campaign records as given (``spent_points``) is what
  the purchases' breakdowns say it gave, and never more than its budget: no point given
  unrecorded, none recorded ungiven, no budget exceeded; and the coupons its giveaway
  records as given (``coupons_given``) are the coupons that name it, never more than its
  ``giveaway_quantity``.

It reads the table directly: it is an audit, not a use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select

from services.loyalty.accounts.invariants import Invariant, Violation
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.coupons import service as coupons
from shared.db import AsyncSession

_campaigns = CampaignRow.__table__  # type: ignore[attr-defined]


async def budget_violations(
    session: AsyncSession, given: Mapping[uuid.UUID, int]
) -> list[Violation]:
    """Every violation of ``campaign_budgets``; ``given`` is the points each campaign gave
    by the purchases' breakdowns (a campaign that gave none may be left out)."""
    query = select(
        _campaigns.c.campaign_id,
        _campaigns.c.spent_points,
        _campaigns.c.budget_points,
        _campaigns.c.coupons_given,
        _campaigns.c.giveaway_quantity,
    )
    granted = await coupons.count_by_campaign(session)
    violations: list[Violation] = []
    for row in await session.execute(query):
        violations += _giveaway_violations(
            row.campaign_id, row.coupons_given, row.giveaway_quantity, granted
        )
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


def _giveaway_violations(
    campaign_id: uuid.UUID, given: int, quantity: int | None, granted: Mapping[uuid.UUID, int]
) -> list[Violation]:
    violations: list[Violation] = []
    if given != granted.get(campaign_id, 0):
        violations.append(
            Violation(
                Invariant.CAMPAIGN_BUDGETS,
                campaign_id,
                f"campaign {campaign_id} records {given} coupons given; "
                f"{granted.get(campaign_id, 0)} coupons name it",
            )
        )
    if quantity is not None and given > quantity:
        violations.append(
            Violation(
                Invariant.CAMPAIGN_BUDGETS,
                campaign_id,
                f"campaign {campaign_id} gave {given} coupons, past its quantity of {quantity}",
            )
        )
    return violations

"""``p_alive``: the BG/NBD probability that a member is still active, below a threshold.

The parameters are the latest finished CLV fit's (``POST /clv/fits``; Fader, Hardie & Lee
2005, "Counting Your Customers" the Easy Way, P(alive) of its appendix). They are applied to
the member's purchases now, from the members read model, in the fit's time unit:
``x`` = counted purchases − 1, ``t_x`` = last − first purchase, ``T`` = ``t_x`` + days since
the last purchase (the brand's days). Unlike a fit's own summary, purchases on one day
count separately here. No fit done, or ``x`` = 0 (P(alive) = 1): not at risk.
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, Float, case, cast, func

from services.analytics.clv import service as clv
from services.analytics.segmentation.kinds.base import ChurnCriterion, Scored

SECONDS_PER_DAY = 86_400
TINY = 1e-12


def _at_risk(member: Scored, threshold: float) -> ColumnElement[bool]:
    """``x > 0`` and P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) below
    ``threshold``, compared in logs so no power overflows: the odds of having dropped out
    above 1/threshold − 1."""
    fit = clv.latest_parameters()
    x = member["frequency"] - 1
    span_days = (
        cast(func.extract("epoch", member["last_purchase_at"] - member["first_purchase_at"]), Float)
        / SECONDS_PER_DAY
    )
    t_x = span_days / fit["unit_days"]
    age = (span_days + member["recency_days"]) / fit["unit_days"]
    log_odds = func.ln(fit["a"] / func.greatest(fit["b"] + x - 1, TINY)) + (fit["r"] + x) * func.ln(
        (fit["alpha"] + age) / (fit["alpha"] + t_x)
    )
    # CASE, not AND: PostgreSQL may evaluate either side of an AND first
    return case((x > 0, log_odds > math.log(1 / threshold - 1)), else_=False)


P_ALIVE = ChurnCriterion(
    description=(
        "A member with two or more purchases whose probability of still being active "
        "(BG/NBD P(alive) with the latest finished CLV fit's parameters) is below `threshold`"
    ),
    parameter="threshold",
    default=0.3,
    low=0.01,
    high=0.99,
    at_risk=_at_risk,
)

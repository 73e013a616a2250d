"""A replay adds up what rules give stored purchases, capping each member's day by what
the same replay gave them before that day."""

from __future__ import annotations

import uuid
from datetime import date

from services.loyalty.rules.domain import Line, RuleSet, Sale
from services.loyalty.simulation.domain import Replay, members_affected

A, B = uuid.uuid4(), uuid.uuid4()
DAY = date(2025, 3, 3)


def sale(amount: int, category: str, day: date = DAY) -> Sale:
    return Sale((Line(1, "X", (category,), amount),), 0, uuid.uuid4(), day, "standard")


def test_a_replay_caps_each_member_day_by_its_own_points() -> None:
    tried = Replay(RuleSet(2, category_multipliers={"health": 200}, cap_per_member_day=300))
    plain = Replay(RuleSet(1))
    for member, bought in (
        (A, sale(10_000, "health")),
        (A, sale(5_000, "x")),
        (B, sale(20_000, "x")),
    ):
        tried.add(member, bought)
        plain.add(member, bought)
    tried.add(A, sale(5_000, "x", date(2025, 3, 4)))  # the next day has room again
    # A: 400 capped to 300, then 100 over the cap: 0; the next day 100. B: 400 capped to 300.
    assert tried.by_member == {A: 400, B: 300}
    assert tried.points == 700
    assert tried.by_rule == {"base": 800, "category:health": 200, "cap:member_day": -300}
    assert plain.by_member == {A: 150, B: 200}
    assert members_affected(tried, plain) == 2
    assert members_affected(plain, plain) == 0

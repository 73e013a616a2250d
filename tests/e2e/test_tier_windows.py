"""Tiers under a calendar-year policy through the real broker: a sale promotes, a return
of all of it does not demote, the review at the year's end does, and analytics follows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.loyalty.tiers.jobs import review_due
from shared.db import create_engine, create_sessions
from shared.inputs import input_defaults
from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import (
    ADMIN,
    _loyalty,
    _member,
    _ok,
    _program,
    _purchase,
    _store_key,
)
from tests.stack import eventually

CALENDAR_YEAR = {"qualify_by": "spend", "window": "calendar_year", "grace_periods": 0}
LIFETIME = {"qualify_by": "spend", "window": "lifetime"}


async def test_a_return_storm_waits_for_the_years_review(system: System) -> None:
    await _program(system)
    _ok(await system["loyalty"].put("/program/tier-policy", json=CALENDAR_YEAR, headers=ADMIN))
    engine = create_engine(system.stack.settings("loyalty"))
    try:
        key = await _store_key(system)
        member = await _member(system)
        sale = await _purchase(system, key, member, price_fen=50_000, quantity=3)  # ¥1,500 → vip

        async def account_is(code: str, balance: int) -> dict[str, Any] | None:
            account = await _loyalty(system, member["id"])
            ok = account and account["tier"]["code"] == code and account["balance"] == balance
            return account if ok else None

        await eventually(lambda: account_is("vip", 1_500), timeout=15)
        for _ in range(3):  # three returns of one unit each, the whole sale
            returned = await system["orders"].post(
                f"/purchases/{sale['id']}/returns",
                json={"lines": [{"line_no": 1, "quantity": 1}]},
                headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
            )
            _ok(returned, 201)
        account = await eventually(lambda: account_is("vip", 0), timeout=15)
        assert account["qualifying_spend_fen"] == 0

        year = datetime.now(input_defaults().business_timezone).year
        new_year = datetime(year + 1, 1, 1, tzinfo=input_defaults().business_timezone)
        assert await review_due(create_sessions(engine), new_year) >= 1
        await eventually(lambda: account_is("standard", 0), timeout=15)

        async def analysed() -> dict[str, Any] | None:
            response = await system["analytics"].get(
                f"/members/{member['id']}/summary", headers=ADMIN
            )
            summary: dict[str, Any] = response.json() if response.status_code == 200 else {}
            return summary if summary.get("tier_code") == "standard" else None

        await eventually(analysed, timeout=15)
    finally:
        await engine.dispose()
        _ok(await system["loyalty"].put("/program/tier-policy", json=LIFETIME, headers=ADMIN))

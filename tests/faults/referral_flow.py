"""The load's referral flow (老带新) and its check: one referrer, friends registered with
their code who then buy in the load like anyone, a reward policy whose one band every
paid first purchase reaches and a monthly cap below the number of friends. The check runs
the due work (as the worker would, racing it) and finds one reward per friend, never
more than the cap, every friend who paid settled, and the referral audit clean."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import text

from services.loyalty.referrals.invariants import referral_violations
from services.loyalty.referrals.service import settle_due
from shared.db import Sessions
from shared.inputs import input_defaults
from shared.tokens import issue_token
from tests.faults.records import LoadLog
from tests.faults.till_load import TillFlows
from tests.faults.verdict import Verdict, uuids

FRIENDS = 4
MONTHLY_CAP = 2
VOUCHER = {
    "name": "老带新 压测 fault run",
    "terms": {"kind": "cash_voucher", "value_fen": 2_000},
    "valid_days": 30,
    "per_member_limit": FRIENDS,
}


_STATES = text(
    "SELECT friend_member_id, referrer_member_id, state, "
    "to_char(timezone(:zone, settled_at), 'YYYY-MM') FROM loyalty.referrals "
    "WHERE referrer_member_id = ANY(:referrers)"
)


Register = Callable[[int, str], Awaitable[str]]


def _zone() -> str:
    return input_defaults().business_timezone.key


class ReferralFlows(TillFlows):
    async def _refer(self, register: Register) -> None:
        """Sets the reward policy and registers ``FRIENDS`` friends with the code of the
        last member (one in no household) by ``register(n, code)``, adding them to the
        load's members."""
        key = f"{self._seed}-referral-voucher"
        url = f"{self._urls['loyalty']}/coupons/definitions"
        headers = {**self._staff, "Idempotency-Key": key}
        ack = await self._until_definite(
            "coupon definition", key, lambda: self._client.post(url, json=VOUCHER, headers=headers)
        )
        if ack is None:
            raise RuntimeError(f"could not define the referral voucher: {self.log.rejected}")
        policy = {
            "bands": [{"min_spend_fen": 1, "definition_id": ack.body["id"]}],
            "monthly_cap": MONTHLY_CAP,
        }
        put = await self._client.put(
            f"{self._urls['loyalty']}/program/referral-policy", json=policy, headers=self._staff
        )
        put.raise_for_status()
        referrer = self.log.members[-1]
        token = issue_token(self._signer, subject=referrer, member_id=uuid.UUID(referrer))
        profile = await self._client.get(
            f"{self._urls['customer']}/members/{referrer}",
            headers={"Authorization": f"Bearer {token}"},
        )
        profile.raise_for_status()
        code = profile.json()["referral_code"]
        first = len(self.log.members)
        friends = [await register(first + n, code) for n in range(FRIENDS)]
        self.log.referrals[referrer] = friends
        self.log.members += friends


async def check_referrals(sessions: Sessions, log: LoadLog, verdict: Verdict) -> None:
    """The due work run until nothing is due, then: each friend who paid is settled, one
    coupon per rewarded friend, at most the cap per referrer and month, the audit clean."""
    while await settle_due(sessions, datetime.now(UTC)):
        pass
    referrers = uuids(log.referrals)
    paid = {ack.body["member_id"] for ack in log.purchases.values() if ack.body["total_fen"] > 0}
    async with sessions() as session:
        for violation in await referral_violations(session, referrers):
            verdict.unexpected.append(f"referrals: {violation}")
        rows = (await session.execute(_STATES, {"referrers": referrers, "zone": _zone()})).all()
    rewarded: dict[tuple[str, str], int] = {}
    for friend, referrer, state, month in rows:
        if str(friend) in paid and state in ("pending", "qualified"):
            verdict.lost.append(f"referral of {friend}, who paid, is still {state}")
        if state == "rewarded":
            rewarded[(str(referrer), month)] = rewarded.get((str(referrer), month), 0) + 1
    for (referrer, month), count in rewarded.items():
        if count > MONTHLY_CAP:
            verdict.duplicated.append(f"referrer {referrer} has {count} rewards in {month}")
    verdict.counts["referral rewards"] = sum(rewarded.values())
    verdict.counts["referrals"] = len(rows)

"""The load's lottery flow (抽奖): one draw campaign running through the run, whose
purchases earn chances (one per 100 yuan), and members drawing while faults strike.
Its small daily quotas are used up early, so most draws race for prizes that are gone."""

from __future__ import annotations

from typing import Any

from tests.faults.client import StoreClient

PRIZES: list[dict[str, Any]] = [
    {
        "name": "二等奖 50 积分 fault run",
        "kind": "points",
        "points": 50,
        "probability": 2_000,
        "daily_quota": 3,
        "fallback": "next",
    },
    {
        "name": "三等奖 小样 fault run",
        "kind": "gift",
        "gift_name": "Sample kit",
        "probability": 3_000,
        "daily_quota": 5,
        "fallback": "none",
    },
]


class DrawFlows(StoreClient):
    async def _open_draws(self, starts_at: str, ends_at: str) -> None:
        body = {
            "name": "抽奖 fault run",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "earn": {"kind": "per_spend", "spend_fen": 10_000},
            "prizes": PRIZES,
        }
        key = f"{self._seed}-lottery"
        url = f"{self._urls['loyalty']}/lottery/campaigns"
        headers = {**self._staff, "Idempotency-Key": key}
        ack = await self._until_definite(
            "draw campaign", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is None:
            raise RuntimeError(f"could not open the draw campaign: {self.log.rejected}")
        self.log.lottery = ack.body

    async def _draw(self, n: int) -> None:
        """A draw by a member who bought (409 ``no-draw-chances`` when their chances have
        not come yet, or are spent: a definite refusal)."""
        member = self._buyer()
        if member is None:
            return await self._purchase(n)
        key = f"{self._seed}-draw-{n}"
        url = f"{self._urls['loyalty']}/members/{member}/draws"
        body = {"campaign_id": self.log.lottery["id"]}
        headers = {**self._staff, "Idempotency-Key": key}
        ack = await self._until_definite(
            "draw", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is not None:
            self.log.draws[key] = ack

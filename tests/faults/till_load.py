"""The load's flows at the till: a sale paid partly with points held first (积分抵现)."""

from __future__ import annotations

from tests.faults.client import StoreClient


class TillFlows(StoreClient):
    async def _till_sale(self, n: int) -> None:
        """A member who bought before holds a few points at a till, and the sale pays with
        them; a sale whose points are refused (the hold was lost to a fault) is paid by
        card instead, as a till would."""
        store = self._rng.randrange(len(self.log.stores))
        member = self._buyer()
        if member is None:  # no one has bought yet: a plain sale instead
            return await self._purchase(n)
        lines = self._lines()
        total = sum(line["quantity"] * line["unit_price_fen"] for line in lines)
        key = f"{self._seed}-h-{n}"
        asked = {"member_id": member, "sale_ref": key, "sale_total_fen": total}
        asked["points"] = self._rng.randint(1, 30)
        headers = {"X-API-Key": self.log.stores[store][1], "Idempotency-Key": key}
        url = f"{self._urls['orders']}/reservations"
        held = await self._until_definite(
            "hold", key, lambda: self._client.post(url, json=asked, headers=headers)
        )
        sale = {"member_id": member, "lines": lines}
        if held is not None:
            self.log.holds[key] = held
            amount = held.body["amount_fen"]
            points = {"kind": "points", "amount_fen": amount}
            tenders = [points | {"reservation_id": held.body["reservation_id"]}]
            if total > amount:
                tenders.append({"kind": "card", "amount_fen": total - amount})
            paid = f"{self._seed}-t-{n}"
            if await self._sell(paid, store, sale | {"receipt_no": paid, "tenders": tenders}):
                return
        card = f"{self._seed}-u-{n}"
        await self._sell(card, store, sale | {"receipt_no": card})

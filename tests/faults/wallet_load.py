"""The load's stored-value flows (储值): members pay money into their wallets at a store's
till before the load, and during it sales are paid partly from the wallet, held first."""

from __future__ import annotations

import asyncio

from tests.faults.client import StoreClient

DEPOSIT_FEN = 50_000
"""What each wallet member pays in; the load's payments take a few yuan at a time."""


class WalletFlows(StoreClient):
    async def _fund_wallets(self, members: list[str]) -> None:
        """Each of ``members`` pays ``DEPOSIT_FEN`` into their wallet at a store's till
        (``POST /wallet-deposits``, its own key), before any fault."""
        await asyncio.gather(*(self._deposit(n, member) for n, member in enumerate(members)))

    async def _deposit(self, n: int, member: str) -> None:
        store = n % len(self.log.stores)
        key = f"{self._seed}-w-{member}"
        body = {"member_id": member, "amount_fen": DEPOSIT_FEN}
        headers = {"X-API-Key": self.log.stores[store][1], "Idempotency-Key": key}
        url = f"{self._urls['orders']}/wallet-deposits"
        ack = await self._until_definite(
            "deposit", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is None:
            raise RuntimeError(f"could not fund member {member}'s wallet: {self.log.rejected}")
        self.log.deposits[key] = ack

    async def _wallet_sale(self, n: int) -> None:
        """A member with a wallet holds a few yuan of it at a till and the sale pays with
        them and a card; a hold refused (the wallet is short, or a fault lost it) or a sale
        refused with it is paid by card instead, as a till would. Holds are logged with
        the points holds: the till checker treats both alike."""
        store = self._rng.randrange(len(self.log.stores))
        member = self._rng.choice([ack.body["member_id"] for ack in self.log.deposits.values()])
        lines = self._lines()
        total = sum(line["quantity"] * line["unit_price_fen"] for line in lines)
        key = f"{self._seed}-s-{n}"
        asked = {
            "member_id": member,
            "sale_ref": key,
            "sale_total_fen": total,
            "tender": "stored_value",
            "amount_fen": self._rng.randint(1, min(total, 3_000)),
        }
        headers = {"X-API-Key": self.log.stores[store][1], "Idempotency-Key": key}
        url = f"{self._urls['orders']}/reservations"
        held = await self._until_definite(
            "wallet hold", key, lambda: self._client.post(url, json=asked, headers=headers)
        )
        sale = {"member_id": member, "lines": lines}
        if held is not None:
            self.log.holds[key] = held
            amount = held.body["amount_fen"]
            tenders = [
                {
                    "kind": "stored_value",
                    "amount_fen": amount,
                    "reservation_id": held.body["reservation_id"],
                }
            ]
            if total > amount:
                tenders.append({"kind": "card", "amount_fen": total - amount})
            paid = f"{self._seed}-v-{n}"
            if await self._sell(paid, store, sale | {"receipt_no": paid, "tenders": tenders}):
                return
        card = f"{self._seed}-x-{n}"
        await self._sell(card, store, sale | {"receipt_no": card})

"""The load a fault run puts on the system: its set-up and the mix of its operations.

Each operation is sent as a careful store client would (:mod:`tests.faults.client`), and
what the system acknowledged is recorded (:class:`~tests.faults.records.LoadLog`) for the
checker to compare with the data.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from shared.db import asyncpg_dsn
from shared.jwks import TokenSigner
from tests.faults.draw_load import DrawFlows
from tests.faults.records import LoadShape
from tests.faults.referral_flow import ReferralFlows
from tests.faults.till_load import TillFlows
from tests.faults.wallet_load import WalletFlows


class LoadGenerator(ReferralFlows, WalletFlows, TillFlows, DrawFlows):
    def __init__(
        self,
        urls: dict[str, str],
        admin_url: str,
        seed: int,
        shape: LoadShape,
        signer: TokenSigner,
    ) -> None:
        super().__init__(urls, seed, shape, signer)
        self._admin_url = admin_url
        self._moving: set[str] = set()  # members whose leaving or joining is on its way
        self._cards: dict[str, str] = {}  # member id → card number

    # -- set-up, before any fault -----------------------------------------------------
    async def set_up(self) -> None:
        for n in range(self._shape.stores):
            response = await self._client.post(
                f"{self._urls['orders']}/stores",
                json={"name": f"faults-{self._seed}-{n}"},
                headers=self._staff,
            )
            response.raise_for_status()
            self.log.stores.append((response.json()["id"], response.json()["api_key"]))
        registrations = [self._register(n) for n in range(self._shape.members)]
        self.log.members = list(await asyncio.gather(*registrations))
        await self._refer(self._register)
        await self._wait_until_known()
        item = {
            "code": f"FAULTS-{self._seed}",
            "name": "压测礼品 fault-run gift",
            "point_price": 5,
            "stock": self._shape.reward_stock,
        }
        headers = {**self._staff, "Idempotency-Key": f"{self._seed}-item"}
        url = f"{self._urls['loyalty']}/rewards/items"
        ack = await self._until_definite(
            "reward item",
            headers["Idempotency-Key"],
            lambda: self._client.post(url, json=item, headers=headers),
        )
        if ack is None:
            raise RuntimeError(f"could not add the reward item: {self.log.rejected}")
        self.log.reward_item = ack.body
        households = min(self._shape.households, len(self.log.members) // 3)
        await asyncio.gather(*(self._household(n) for n in range(households)))
        alone = self.log.members[3 * households :]
        await self._grant_coupons(alone[: self._shape.coupon_members])
        now = datetime.now(UTC)
        await self._open_draws(now.isoformat(), (now + timedelta(days=1)).isoformat())
        await self._fund_wallets(alone[-self._shape.wallet_members :])

    async def _household(self, n: int) -> None:
        """Opens household ``n`` with three members who are in none: its head and two."""
        head, *others = self.log.members[3 * n : 3 * n + 3]
        customer = self._urls["customer"]
        opened = await self._until_definite(
            "household",
            f"{self._seed}-h-{n}",
            lambda: self._client.post(
                f"{customer}/households",
                json={"head_card_number": self._cards[head]},
                headers={**self._staff, "Idempotency-Key": f"{self._seed}-h-{n}"},
            ),
        )
        if opened is None:
            raise RuntimeError(f"could not open household {n}: {self.log.rejected}")
        household_id: str = opened.body["id"]
        self.log.households[household_id] = [head, *others]
        self.log.in_household[head] = household_id
        for member in others:
            if not await self._join(f"{self._seed}-h-{n}-{member}", household_id, member):
                raise RuntimeError(f"could not fill household {n}: {self.log.rejected}")

    async def _register(self, n: int, referral_code: str | None = None) -> str:
        tag = uuid.UUID(int=self._rng.getrandbits(128)).hex[:10]
        body = {
            "name": f"压测会员{n}",
            "phone": f"13{self._rng.randrange(10**9):09d}",
            "email": f"m{n}-{tag}@example.com",
            "locale": self._rng.choice(["zh-CN", "en"]),
            # members choose their channels, so some get one message per sale, some two
            "consent": {"sms": self._rng.random() < 0.6, "email": self._rng.random() < 0.6},
        } | ({"referral_code": referral_code} if referral_code else {})
        headers = {**self._staff, "Idempotency-Key": f"{self._seed}-m-{n}"}
        url = f"{self._urls['customer']}/members"
        ack = await self._until_definite(
            "member",
            headers["Idempotency-Key"],
            lambda: self._client.post(url, json=body, headers=headers),
        )
        if ack is None:
            raise RuntimeError(f"could not register member {n}: {self.log.rejected}")
        member_id: str = ack.body["id"]
        self._cards[member_id] = ack.body["card_number"]
        return member_id

    async def _wait_until_known(self, timeout: float = 120) -> None:
        """Orders and loyalty learn members from events; wait until both know them all."""
        ids = [uuid.UUID(member) for member in self.log.members]
        connection = await asyncpg.connect(asyncpg_dsn(self._admin_url))
        try:
            deadline = time.monotonic() + timeout
            while True:
                orders = await connection.fetchval(
                    "SELECT count(*) FROM orders.members WHERE member_id = ANY($1)", ids
                )
                loyalty = await connection.fetchval(
                    "SELECT count(*) FROM loyalty.account_holders WHERE member_id = ANY($1)", ids
                )
                if orders == loyalty == len(ids):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"members known: orders {orders}, loyalty {loyalty}")
                await asyncio.sleep(0.2)
        finally:
            await connection.close()

    # -- the load ------------------------------------------------------------------------
    async def run(self) -> None:
        """Issue operations at the shape's rate until ``purchases`` sales have been sent."""
        gate = asyncio.Semaphore(self._shape.concurrency)
        tasks: list[asyncio.Task[None]] = []
        start = time.monotonic()
        sent = 0
        n = 0
        while sent < self._shape.purchases:
            intended = start + n / self._shape.rate
            await asyncio.sleep(max(0.0, intended - time.monotonic()))
            operation = self._next_operation(n)
            sent += operation == self._purchase
            await gate.acquire()
            task = asyncio.create_task(operation(n))
            task.add_done_callback(lambda _: gate.release())
            tasks.append(task)
            n += 1
        await asyncio.gather(*tasks)

    def _next_operation(self, n: int) -> Callable[[int], Coroutine[Any, Any, None]]:
        draw = self._rng.random()
        if draw < self._shape.return_share and self._returnable:
            return self._return
        draw -= self._shape.return_share
        if draw < self._shape.redemption_share and self.log.purchases:
            return self._redeem
        draw -= self._shape.redemption_share
        if draw < self._shape.household_share and self.log.households:
            return self._move
        draw -= self._shape.household_share
        if draw < self._shape.till_share and self.log.purchases:
            return self._till_sale
        draw -= self._shape.till_share
        if draw < self._shape.coupon_share and self._coupons:
            return self._coupon_sale
        draw -= self._shape.coupon_share
        if draw < self._shape.wallet_share and self.log.deposits:
            return self._wallet_sale
        draw -= self._shape.wallet_share
        if draw < self._shape.reward_share and self.log.purchases:
            return self._order_reward
        draw -= self._shape.reward_share
        if draw < self._shape.reward_share and self.log.reward_orders:
            return self._cancel_reward
        draw -= self._shape.reward_share
        if draw < self._shape.draw_share and self.log.lottery and self.log.purchases:
            return self._draw
        return self._purchase

    async def _return(self, n: int) -> None:
        key = f"{self._seed}-r-{n}"
        returned, partly = self._to_return()
        sale = self.log.purchases[returned]
        headers = {"X-API-Key": self.log.stores[sale.store][1], "Idempotency-Key": key}
        url = f"{self._urls['orders']}/purchases/{sale.body['id']}/returns"
        # half give back one unit of the first line: a partial refund of discounted lines
        some = {"lines": [{"line_no": 1, "quantity": 1}]}
        what = some if partly or self._rng.random() < 0.5 else {"all": True}
        ack = await self._until_definite(
            "return", key, lambda: self._client.post(url, json=what, headers=headers)
        )
        if ack is not None:
            self.log.returns[key] = ack

    async def _redeem(self, n: int) -> None:
        key = f"{self._seed}-d-{n}"
        sale = self.log.purchases[self._rng.choice(list(self.log.purchases))]
        body = {"points": self._rng.randint(1, 30), "reason": "fault run"}
        headers = {**self._staff, "Idempotency-Key": key}
        url = f"{self._urls['loyalty']}/members/{sale.body['member_id']}/redemptions"
        ack = await self._until_definite(
            "redemption", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is not None:
            self.log.redemptions[key] = ack

    async def _move(self, n: int) -> None:
        """A member other than a head leaves their household, or joins it again."""
        settled = [
            (household_id, member)
            for household_id, members in self.log.households.items()
            for member in members[1:]
            if member not in self._moving
        ]
        if not settled:
            return
        household_id, member = self._rng.choice(settled)
        self._moving.add(member)
        try:
            if self.log.in_household[member] is None:
                await self._join(f"{self._seed}-j-{n}", household_id, member)
            else:
                await self._leave(f"{self._seed}-l-{n}", household_id, member)
        finally:
            self._moving.discard(member)

    async def _join(self, key: str, household_id: str, member: str) -> bool:
        url = f"{self._urls['customer']}/households/{household_id}/members"
        headers = {**self._staff, "Idempotency-Key": key}
        body = {"card_number": self._cards[member]}
        ack = await self._until_definite(
            "join", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is not None:
            self.log.in_household[member] = household_id
        return ack is not None

    async def _leave(self, key: str, household_id: str, member: str) -> None:
        url = f"{self._urls['customer']}/households/{household_id}/members/{self._cards[member]}"

        async def leave() -> httpx.Response:
            response = await self._client.delete(url, headers=self._staff)
            if response.status_code == 404 and "not-in-household" in response.text:
                # a DELETE takes no key: an earlier try that timed out took them out
                return httpx.Response(200, json={"id": household_id})
            return response

        if await self._until_definite("leave", key, leave) is not None:
            self.log.in_household[member] = None

    async def _order_reward(self, n: int) -> None:
        key = f"{self._seed}-w-{n}"
        member = self._buyer()
        if member is None:
            return await self._purchase(n)
        body = {"item_id": self.log.reward_item["id"], "quantity": self._rng.randint(1, 3)}
        headers = {**self._staff, "Idempotency-Key": key}
        url = f"{self._urls['loyalty']}/members/{member}/reward-orders"
        ack = await self._until_definite(
            "reward order", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is not None:
            self.log.reward_orders[key] = ack

    async def _cancel_reward(self, n: int) -> None:
        """Cancels an order placed before (perhaps cancelled already: that changes nothing)."""
        key = f"{self._seed}-x-{n}"
        order = self.log.reward_orders[self._rng.choice(list(self.log.reward_orders))].body
        headers = {**self._staff, "Idempotency-Key": key}
        url = (
            f"{self._urls['loyalty']}/members/{order['member_id']}/reward-orders/"
            f"{order['order_id']}/cancel"
        )
        ack = await self._until_definite(
            "reward cancel", key, lambda: self._client.post(url, json={}, headers=headers)
        )
        if ack is not None:
            self.log.reward_cancels[key] = ack

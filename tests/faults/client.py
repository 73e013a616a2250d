"""The client a fault run's load is, and the sales all its flows make.

It behaves like a careful store client: every request carries an Idempotency-Key, and a
request that times out, is cut off or answered 409 (still running), 429 or 5xx is sent
again with the same key until it gets a definite answer (a refusal after an attempt that
got no answer is confirmed once more, see ``_until_definite``). So the generator knows exactly
which operations the system acknowledged, and the checker compares that with the data.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared.jwks import TokenSigner
from shared.tokens import issue_token
from tests.faults.records import Acknowledged, LoadLog, LoadShape

log = logging.getLogger(__name__)

CATEGORIES = ("health", "cosmetics", "daily")
RETRYABLE = {409, 425, 429, 500, 502, 503, 504}
CONFIRM_AFTER_SECONDS = 15.0
"""How long after a refusal that followed an unanswered attempt the client asks again: three
times its own timeout, so the attempt it gave up on has run by then."""

Send = Callable[[], Awaitable[httpx.Response]]


class StoreClient:
    """The careful client and the sales every flow of the load makes."""

    def __init__(
        self, urls: dict[str, str], seed: int, shape: LoadShape, signer: TokenSigner
    ) -> None:
        self._urls = urls
        self._signer = signer  # the cluster's customer key ring: it signs like customer
        self._rng = random.Random(seed)
        self._seed = seed
        self._shape = shape
        self.log = LoadLog()
        self._returnable: list[str] = []
        self._staff = {
            "Authorization": "Bearer " + issue_token(signer, subject=f"faults-{seed}", role="admin")
        }
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(5.0), limits=httpx.Limits(max_connections=shape.concurrency)
        )

    async def close(self) -> None:
        await self._client.aclose()

    def _lines(self) -> list[dict[str, Any]]:
        return [
            {
                "sku": f"SKU-{self._rng.randrange(500)}",
                "category": self._rng.choice(CATEGORIES),
                "quantity": self._rng.randint(1, 3),
                "unit_price_fen": self._rng.randrange(100, 50_000),
            }
            for _ in range(self._rng.randint(1, 3))
        ]

    async def _purchase(self, n: int) -> None:
        key = f"{self._seed}-p-{n}"
        store = self._rng.randrange(len(self.log.stores))
        body: dict[str, Any] = {"member_id": self._rng.choice(self.log.members), "receipt_no": key}
        lines = self._lines()
        if self._rng.random() < 0.3:  # a manual discount over all lines: shared per line
            total = sum(line["quantity"] * line["unit_price_fen"] for line in lines)
            body["discounts"] = [{"source": "manual", "amount_fen": self._rng.randint(1, total)}]
        await self._sell(key, store, body | {"lines": lines})

    async def _sell(self, key: str, store: int, body: dict[str, Any]) -> bool:
        """Posts the sale until definite; whether it was recorded."""
        headers = {"X-API-Key": self.log.stores[store][1], "Idempotency-Key": key}
        url = f"{self._urls['orders']}/purchases"
        ack = await self._until_definite(
            "purchase", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is not None:
            ack.store = store
            self.log.purchases[key] = ack
            self._returnable.append(key)
        return ack is not None

    def _buyer(self) -> str | None:
        """A member who bought (None before the first sale); every other time one of a
        household, so that some holds and orders are refunded after their member moved
        (their credits land where the points are then, and the audits follow)."""
        households = [member for members in self.log.households.values() for member in members]
        if households and self._rng.random() < 0.5:
            return self._rng.choice(households)
        sales = list(self.log.purchases.values())
        return self._rng.choice(sales).body["member_id"] if sales else None

    async def _until_definite(self, kind: str, key: str, send: Send) -> Acknowledged | None:
        """Send until the answer is definite; returns it if it was a success.

        A refusal (a 4xx) that follows an attempt which got no answer is asked again once,
        :data:`CONFIRM_AFTER_SECONDS` later, before it is taken as final: only successes
        are stored under a key, so the unanswered attempt, still queued in the service when
        the refusal was given, may run after it and succeed (its answer then replays)."""
        started = time.monotonic()
        backoff = 0.05
        unanswered = confirmed = False
        while True:
            try:
                response = await send()
            except httpx.HTTPError as exc:
                log.debug("%s %s: %s; retrying", kind, key, exc)
                unanswered = True
            else:
                if response.status_code < 300:
                    return Acknowledged(key, response.json(), started, time.monotonic())
                if not _retryable(response):
                    if unanswered and not confirmed:
                        confirmed = True
                        await asyncio.sleep(CONFIRM_AFTER_SECONDS)
                        continue
                    self.log.rejected[key] = (kind, response.status_code, response.text[:300])
                    return None
            if time.monotonic() - started > self._shape.give_up_after:
                self.log.unacknowledged[key] = kind
                return None
            self.log.retries += 1
            await asyncio.sleep(backoff * (0.5 + self._rng.random()))
            backoff = min(backoff * 2, 1.0)


def _retryable(response: httpx.Response) -> bool:
    """A 409 is worth retrying only while the first request runs (it says when to retry);
    another 409 (a reward out of stock) is a definite refusal."""
    if response.status_code == 409:
        return "Retry-After" in response.headers
    return response.status_code in RETRYABLE

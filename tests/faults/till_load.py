"""The load's flows at the till: a sale paid partly with points held first (积分抵现), and
a sale that uses a member's coupon, or two stacked, held first (优惠券)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from shared.jwks import TokenSigner
from shared.tokens import issue_token
from tests.faults.client import StoreClient
from tests.faults.records import LoadShape

THRESHOLD_FEN = 10_000
OFF_FEN = 1_000
PERCENT = 5
PERCENT_CAP_FEN = 2_000
COUPON_TERMS: dict[str, dict[str, Any]] = {
    "threshold_off": {"kind": "threshold_off", "threshold_fen": THRESHOLD_FEN, "off_fen": OFF_FEN},
    "percent_off": {"kind": "percent_off", "percent": PERCENT, "cap_fen": PERCENT_CAP_FEN},
}
"""The load's two stackable coupons by kind: 满100减10, and 5% off at most 20 yuan; both
given back by a return once, stacked as sold, they would take nothing off what is kept."""
COUPON_NAMES = {"threshold_off": "满100减10 压测 fault run", "percent_off": "95折 压测 fault run"}


class TillFlows(StoreClient):
    def __init__(
        self, urls: dict[str, str], seed: int, shape: LoadShape, signer: TokenSigner
    ) -> None:
        super().__init__(urls, seed, shape, signer)
        self._coupons: list[tuple[str, str, str]] = []
        """(member id, code, kind) of each coupon no sale of the load is using or used."""

    async def _grant_coupons(self, members: list[str]) -> None:
        """Defines the load's two coupons and grants each of ``members`` ``coupons_each``
        of each by one-member grants (each its own key), then reads their codes as each
        member would (staff see them masked)."""
        for kind, terms in COUPON_TERMS.items():
            await self._define_coupon(kind, terms)
        grants = [
            self._grant(member, definition_id, n)
            for definition_id in self.log.coupon_definitions
            for member in members
            for n in range(self._shape.coupons_each)
        ]
        for member, coupon_id in await asyncio.gather(*grants):
            self.log.coupons[coupon_id] = member
        for member in members:
            token = issue_token(self._signer, subject=member, member_id=uuid.UUID(member))
            response = await self._client.get(
                f"{self._urls['loyalty']}/members/{member}/coupons",
                headers={"Authorization": f"Bearer {token}"},
            )
            response.raise_for_status()
            self._coupons += [(member, c["code"], c["kind"]) for c in response.json()["items"]]

    async def _define_coupon(self, kind: str, terms: dict[str, Any]) -> None:
        definition = {
            "name": COUPON_NAMES[kind],
            "terms": terms,
            "stackable": True,
            "valid_days": 30,
            "per_member_limit": self._shape.coupons_each,
            "restore_on_return": "when_below_threshold",
        }
        key = f"{self._seed}-coupon-{kind}"
        url = f"{self._urls['loyalty']}/coupons/definitions"
        headers = {**self._staff, "Idempotency-Key": key}
        ack = await self._until_definite(
            "coupon definition",
            key,
            lambda: self._client.post(url, json=definition, headers=headers),
        )
        if ack is None:
            raise RuntimeError(f"could not define the {kind} coupon: {self.log.rejected}")
        self.log.coupon_definitions[ack.body["id"]] = ack.body

    async def _grant(self, member: str, definition_id: str, n: int) -> tuple[str, str]:
        key = f"{self._seed}-g-{member}-{definition_id[:8]}-{n}"
        body = {"definition_id": definition_id, "grant_key": key}
        url = f"{self._urls['loyalty']}/members/{member}/coupons"
        headers = {**self._staff, "Idempotency-Key": key}
        ack = await self._until_definite(
            "coupon grant", key, lambda: self._client.post(url, json=body, headers=headers)
        )
        if ack is None:
            raise RuntimeError(f"could not grant member {member} a coupon: {self.log.rejected}")
        return member, ack.body["id"]

    async def _coupon_sale(self, n: int) -> None:
        """A member holds one of their coupons at a till for the basket, or now and then
        one of each of their two kinds stacked, and the sale uses the hold; a hold refused
        (below the threshold, or a coupon still held by a sale a fault cut off) or a sale
        refused with it (the hold was lost) sells without coupons, as a till would, and the
        coupons are the member's to try again."""
        store = self._rng.randrange(len(self.log.stores))
        lines = self._lines()
        plain = f"{self._seed}-o-{n}"
        if not self._coupons:  # all in use meanwhile
            member = self._rng.choice(self.log.members)
            await self._sell(
                plain, store, {"member_id": member, "receipt_no": plain, "lines": lines}
            )
            return
        taken = self._take_coupons()
        member = taken[0][0]
        key = f"{self._seed}-c-{n}"
        codes = [code for _, code, _ in taken]
        named = {"codes": codes} if len(codes) > 1 else {"code": codes[0]}
        asked = {"member_id": member, "sale_ref": key, "lines": lines} | named
        headers = {"X-API-Key": self.log.stores[store][1], "Idempotency-Key": key}
        url = f"{self._urls['orders']}/coupon-reservations"
        held = await self._until_definite(
            "coupon hold", key, lambda: self._client.post(url, json=asked, headers=headers)
        )
        sale: dict[str, Any] = {"member_id": member, "lines": lines}
        if held is not None:
            self.log.coupon_holds[key] = held
            used = f"{self._seed}-k-{n}"
            discounts = [
                {"coupon_reservation_id": c["reservation_id"]} for c in held.body["coupons"]
            ]
            if await self._sell(used, store, sale | {"receipt_no": used, "discounts": discounts}):
                self.log.coupon_sales[used] = key
                return
        self._coupons += taken
        await self._sell(plain, store, sale | {"receipt_no": plain})

    def _take_coupons(self) -> list[tuple[str, str, str]]:
        """A free coupon taken off the free ones, and with a ``stacked_share`` chance a
        free one of the member's other kind with it (when they have one)."""
        first = self._coupons.pop(self._rng.randrange(len(self._coupons)))
        if self._rng.random() >= self._shape.stacked_share:
            return [first]
        other = [
            i
            for i, (member, _, kind) in enumerate(self._coupons)
            if member == first[0] and kind != first[2]
        ]
        if not other:
            return [first]
        return [first, self._coupons.pop(self._rng.choice(other))]

    def _to_return(self) -> tuple[str, bool]:
        """A sale to return (taken off the returnable), and whether it is a coupon sale
        whose return gives back one unit only (so the coupon may or may not come back)."""
        coupon_sales = [i for i, key in enumerate(self._returnable) if key in self.log.coupon_sales]
        if coupon_sales and self._rng.random() < self._shape.coupon_returns:
            return self._returnable.pop(self._rng.choice(coupon_sales)), True
        return self._returnable.pop(self._rng.randrange(len(self._returnable))), False

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

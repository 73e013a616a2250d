"""The people and stores the load needs, created as an operator would.

Members are registered through ``POST /members`` in parallel, or for large runs in bulk:
the customer service's own ``register_member`` called directly against its schema, many
per transaction. Either way each registration writes ``customer.member.registered`` to
customer's outbox, and orders, loyalty and messaging learn of the member from that event
exactly as in production. The load starts only once all three know every member.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench.load import Member
from bench.stack import Target, libpq_url
from huiyuan.demo import (
    CATEGORIES,
    DEMO_EARNING_RULE,
    DEMO_LADDER,
    GIVEN_NAMES,
    SURNAMES,
    catalog_csv,
    checked,
)
from services.customer.config import Settings as CustomerSettings
from services.customer.members import service as customer_service
from services.customer.members.schemas import Consent, MemberCreate
from shared.crypto import PiiCipher
from shared.db import create_engine, create_sessions, transaction
from shared.errors import Conflict
from shared.tokens import Role, issue_token

Say = Callable[[str], None]
BULK_TRANSACTION_SIZE = 500
BULK_TRANSACTIONS_IN_FLIGHT = 4
_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Population:
    store_keys: tuple[str, ...]
    members: tuple[Member, ...]
    store_ids: tuple[str, ...] = ()


def token(target: Target, role: Role) -> str:
    return issue_token(target.signer, subject=f"bench-{role}", role=role)


def _auth(target: Target, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(target, role)}"}


class _Phones:
    """Distinct mainland mobile numbers from a random start, so reruns rarely collide."""

    # prefixes whose every number is a valid mobile one (140, 154, 160... are not)
    PREFIXES = ("130", "135", "138", "150", "177", "186", "199")

    def __init__(self, rng: random.Random) -> None:
        self._next = rng.randrange(10**8)
        self._rng = rng

    def take(self) -> str:
        self._next += 1
        return f"{self._rng.choice(self.PREFIXES)}{self._next % 10**8:08d}"


def _registration(rng: random.Random, phone: str, sms_consent: bool) -> MemberCreate:
    return MemberCreate(
        name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
        phone=phone,
        locale="zh-CN",
        consent=Consent(sms=sms_consent),
    )


BENCH_RULES: dict[str, Any] = {
    **DEMO_EARNING_RULE,
    "category_multipliers_percent": {"health": 150, "cosmetics": 120},
    "sku_multipliers_percent": {"HP-FISHOIL-60": 300},
    "member_days": [
        {"name": "every_day", "multiplier_percent": 110, "weekdays": [1, 2, 3, 4, 5, 6, 7]}
    ],
    "threshold_bonuses": [
        {"threshold_fen": 50_000, "points": 50},
        {"threshold_fen": 100_000, "points": 120},
    ],
    "excluded_categories": ["tobacco"],
    "excluded_skus": ["GIFT-CARD-100"],
    "minimum_spend_fen": 1_000,
    "cap_per_sale": 5_000,
    "cap_per_member_day": 20_000,
}
"""The program of ``--several-rules``: every kind of rule the engine has, each multiplier,
bonus and cap matching some of the bench's sales (its lines come from the demo catalog), so
that a sale's rating walks all of them. The exclusions name nothing the bench sells (every
line is still checked against them): a sale that earned nothing would send no message, and
the bench measures each sale through to its notification. In force from now."""


def bench_campaign(now: datetime) -> dict[str, Any]:
    """The campaign of ``--campaign``: from now for a day, ×2 on cosmetics and 20 bonus points
    on a sale of 200 yuan or more, within a budget no run exhausts, so that every sale's
    rating also walks a campaign's scope, multiplier, bonus and budget reservation."""
    return {
        "name": "bench carnival",
        "starts_at": (now + timedelta(seconds=2)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "scope": {"categories": ["cosmetics"]},
        "multiplier_percent": 200,
        "bonus_points": 20,
        "bonus_threshold_fen": 20_000,
        "budget_points": 10**12,
    }


async def populate(
    target: Target,
    *,
    members: int,
    stores: int,
    bulk: bool,
    sms_consent: bool,
    catalog: bool,
    seed: int,
    say: Say,
    several_rules: bool = False,
    campaign: bool = False,
    coupons: bool = False,
) -> Population:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=30.0) as http:
        if catalog:
            await _load_catalog(http, target)
        if target.embedded:  # a program of our own; a running stack keeps its program
            loyalty, admin = target.urls["loyalty"], _auth(target, "admin")
            checked(await http.put(f"{loyalty}/program/tiers", json=DEMO_LADDER, headers=admin))
            checked(
                await http.put(
                    f"{loyalty}/program/earning-rule", json=DEMO_EARNING_RULE, headers=admin
                )
            )
            if several_rules:
                rules = f"{loyalty}/program/earning-rules"
                checked(await http.put(rules, json=BENCH_RULES, headers=admin))
            if campaign:
                body = bench_campaign(datetime.now(UTC))
                once = admin | {"Idempotency-Key": uuid.uuid4().hex}
                checked(await http.post(f"{loyalty}/campaigns", json=body, headers=once))
        keys: list[str] = []
        ids: list[str] = []
        for index in range(stores):
            store = await http.post(
                f"{target.urls['orders']}/stores",
                json={"name": f"bench store {index + 1}"},
                headers=_auth(target, "admin"),
            )
            keys.append(checked(store)["api_key"])
            ids.append(checked(store)["id"])
    known_before = await _known_counts(target.admin_url)
    started = time.monotonic()
    if bulk:
        registered = await _register_in_bulk(target, members, rng, sms_consent, say)
    else:
        registered = await _register_through_api(target, members, rng, sms_consent, say)
    say(f"Registered {len(registered)} members in {time.monotonic() - started:.1f}s")
    await _wait_until_known(target.admin_url, known_before, len(registered), say)
    if coupons:
        await _grant_coupons(target, registered, say)
    return Population(tuple(keys), tuple(registered), tuple(ids))


BENCH_COUPON: dict[str, Any] = {
    "name": "bench 满200减30",
    "terms": {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000},
    "valid_days": 30,
    "per_member_limit": 1,
}
"""The coupon of ``--coupons``: every member holds one, so each validation prices a coupon."""


async def _grant_coupons(target: Target, registered: list[Member], say: Say) -> None:
    """One ``BENCH_COUPON`` for every member, by bulk grants, waited for until granted."""
    loyalty, marketing = target.urls["loyalty"], _auth(target, "admin")
    async with httpx.AsyncClient(timeout=60.0, headers=marketing) as http:
        once = {"Idempotency-Key": uuid.uuid4().hex}
        url = f"{loyalty}/coupons/definitions"
        definition = checked(await http.post(url, json=BENCH_COUPON, headers=once))["id"]
        grants = f"{loyalty}/coupons/definitions/{definition}/grants"
        batches = []
        for start in range(0, len(registered), _GRANT_BATCH):
            members = [member.id for member in registered[start : start + _GRANT_BATCH]]
            body = {"member_ids": members, "grant_key": "bench"}
            once = {"Idempotency-Key": uuid.uuid4().hex}
            batches.append(checked(await http.post(grants, json=body, headers=once))["id"])
        for batch in batches:
            progress = await _finished(http, f"{grants}/{batch}")
            if progress["refused"]:
                raise RuntimeError(f"bench coupons refused: {progress['refused_by_reason']}")
    say(f"Granted {len(registered)} coupons ({BENCH_COUPON['name']})")


_GRANT_BATCH = 10_000


async def _finished(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """A bulk grant's progress once nothing of it is due (it runs as due work)."""
    for _ in range(1_200):
        progress = checked(await http.get(url))
        if not progress["due"]:
            return progress
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{url} still has grants due after 10 minutes")


async def _load_catalog(http: httpx.AsyncClient, target: Target) -> None:
    """The demo's catalog, so that every sale's SKUs are checked strictly against it."""
    orders, admin = target.urls["orders"], _auth(target, "admin")
    known = checked(await http.get(f"{orders}/catalog/categories", headers=admin))["items"]
    for code, name in CATEGORIES.items():
        if code not in {category["code"] for category in known}:
            body = {"code": code, "name": name}
            checked(await http.post(f"{orders}/catalog/categories", json=body, headers=admin))
    checked(
        await http.post(
            f"{orders}/catalog/products:import",
            content=catalog_csv(),
            headers={**admin, "Content-Type": "text/csv"},
        )
    )


async def _register_through_api(
    target: Target, count: int, rng: random.Random, sms_consent: bool, say: Say
) -> list[Member]:
    phones = _Phones(rng)
    url = f"{target.urls['customer']}/members"
    headers = _auth(target, "service")
    registered: list[Member] = []
    queue = iter(range(count))
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(timeout=60.0, limits=limits, headers=headers) as http:

        async def registrar() -> None:
            for _ in queue:
                while True:
                    body = _registration(rng, phones.take(), sms_consent)
                    response = await http.post(
                        url,
                        content=body.model_dump_json(),
                        headers={"Idempotency-Key": uuid.uuid4().hex, **_JSON},
                    )
                    if response.status_code != 409:  # a phone from an earlier run
                        break
                created = checked(response)
                registered.append(Member(created["id"], created["card_number"]))
                if len(registered) % 10_000 == 0:
                    say(f"  {len(registered)} members registered")

        await asyncio.gather(*(registrar() for _ in range(16)))
    return registered


async def _register_in_bulk(
    target: Target, count: int, rng: random.Random, sms_consent: bool, say: Say
) -> list[Member]:
    settings = CustomerSettings(database_url=target.database_urls.get("customer", target.admin_url))
    cipher = PiiCipher(settings.pii_key.get_secret_value())
    engine = create_engine(settings)
    sessions = create_sessions(engine)
    phones = _Phones(rng)
    registered: list[Member] = []
    sizes = iter(
        [BULK_TRANSACTION_SIZE] * (count // BULK_TRANSACTION_SIZE)
        + ([count % BULK_TRANSACTION_SIZE] if count % BULK_TRANSACTION_SIZE else [])
    )

    async def registrar() -> None:
        # several transactions in flight, so PostgreSQL works while Python builds the next rows
        for size in sizes:
            async with transaction(sessions) as session:
                batch: list[Member] = []
                while len(batch) < size:
                    data = _registration(rng, phones.take(), sms_consent)
                    try:
                        member = await customer_service.register_member(
                            session, settings, cipher, data
                        )
                    except Conflict:  # a phone from an earlier run
                        continue
                    batch.append(Member(str(member.id), member.card_number))
            registered.extend(batch)
            if len(registered) % 50_000 < size:
                say(f"  {len(registered)} members registered")

    try:
        await asyncio.gather(*(registrar() for _ in range(BULK_TRANSACTIONS_IN_FLIGHT)))
    finally:
        await engine.dispose()
    return registered


_KNOWN = {
    "orders": "SELECT count(*) FROM orders.members",
    "loyalty": "SELECT count(*) FROM loyalty.accounts",
    "messaging": "SELECT count(*) FROM messaging.contacts",
}
_QUEUED = "SELECT count(*) FROM messaging.notifications WHERE status IN ('queued', 'sending')"


async def _known_counts(admin_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        return {name: int(await connection.fetchval(query)) for name, query in _KNOWN.items()}
    finally:
        await connection.close()


async def _wait_until_known(admin_url: str, before: dict[str, int], count: int, say: Say) -> None:
    """Until orders, loyalty and messaging know every new member and the welcome messages
    have left, so the load starts on a quiet pipeline."""
    deadline = time.monotonic() + max(120.0, count / 50)
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        while True:
            known = {
                name: int(await connection.fetchval(query)) - before[name]
                for name, query in _KNOWN.items()
            }
            queued = int(await connection.fetchval(_QUEUED))
            if all(value >= count for value in known.values()) and queued == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"registrations did not reach every service in time: {known} of {count}, "
                    f"{queued} welcome messages still queued"
                )
            await asyncio.sleep(1.0)
    finally:
        await connection.close()

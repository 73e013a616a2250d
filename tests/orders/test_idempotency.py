"""The idempotency contract of ``POST /purchases`` over the real app.

The property test fires random keys (a small alphabet, so they collide), bodies and
concurrency at the API and checks what a store's POS relies on: a sale is recorded at
most once per store and key, every answer for it is the same bytes, a changed body is
422, 409 comes only while the key's first request runs, and nothing is a 5xx.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col
from starlette.types import Message, Scope

from services.orders import service
from services.orders.models import Purchase, idempotency, outbox
from services.orders.schemas import PurchaseCreate, PurchaseOut
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.errors import PROBLEM_JSON
from shared.idempotency import RequestInProgress, identify
from tests.orders.conftest import KnownMember, StoreKey, new_store
from tests.stack import Stack, eventually, running

LINES = [
    [{"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}],
    [{"sku": "CO-117", "category": "cosmetics", "quantity": 1, "unit_price_fen": 5900}],
]
UNKNOWN_MEMBER = len(LINES)  # the body variant naming a card no member has


def _body(member: KnownMember, variant: int, receipt_no: str) -> dict[str, Any]:
    if variant == UNKNOWN_MEMBER:
        return {"card_number": "no-such-card", "lines": LINES[0], "receipt_no": receipt_no}
    return {"card_number": member.card_number, "lines": LINES[variant], "receipt_no": receipt_no}


async def test_expired_keys_are_purged_by_the_worker_and_fresh_ones_kept(
    stack: Stack, orders_sessions: Sessions
) -> None:
    keys = idempotency.table
    scope = f"store:{uuid.uuid4()}"
    async with transaction(orders_sessions) as session:
        for key, expires_in in (("expired", timedelta(seconds=-1)), ("fresh", timedelta(hours=1))):
            await session.execute(
                keys.insert().values(
                    scope=scope,
                    key=key,
                    request_hash="0" * 64,
                    status_code=201,
                    response={},
                    expires_at=func.now() + expires_in,
                )
            )

    async def only_the_fresh_one_left() -> bool:
        async with orders_sessions() as session:
            left = await session.scalars(select(keys.c.key).where(keys.c.scope == scope))
            return set(left) == {"fresh"}

    async with running(stack.app("orders")):
        assert await eventually(only_the_fresh_one_left)


async def test_the_answer_leaves_only_once_the_sale_is_committed(
    stack: Stack, orders_sessions: Sessions, store: StoreKey, member: KnownMember
) -> None:
    """Else a POS could hold a 201 for a sale the database then loses, and its retry
    with the same key would record a second, different one."""
    body = orjson.dumps(_body(member, 0, "R-commit"))
    headers = {"content-type": "application/json", "idempotency-key": uuid.uuid4().hex}
    headers |= {name.lower(): value for name, value in store.headers.items()}
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/purchases",
        "raw_path": b"/purchases",
        "root_path": "",
        "query_string": b"",
        "headers": [(name.encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    requests = iter([{"type": "http.request", "body": body, "more_body": False}])
    committed_when_answered: list[tuple[int, int]] = []

    async def receive() -> Message:
        return next(requests, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            async with orders_sessions() as session:
                stored = await session.scalar(
                    select(func.count())
                    .select_from(Purchase)
                    .where(col(Purchase.store_id) == store.store_id)
                )
            committed_when_answered.append((message["status"], stored or 0))

    app = stack.app("orders")
    async with running(app):
        await app(scope, receive, send)
    assert committed_when_answered == [(201, 1)]


async def test_the_same_key_while_the_sale_is_recorded_is_409_then_its_answer(
    stack: Stack,
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
) -> None:
    key = uuid.uuid4().hex
    body = _body(member, 0, "R-409")
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    started, release = asyncio.Event(), asyncio.Event()

    async def first_post() -> bytes:
        """What ``POST /purchases`` does, held in the middle of recording the sale."""
        async with transaction(orders_sessions) as session:

            async def record() -> PurchaseOut:
                started.set()
                await release.wait()
                return await service.record_purchase(
                    session, cipher, store.store_id, PurchaseCreate.model_validate(body)
                )

            answer = await idempotency.run(
                session,
                scope=f"store:{store.store_id}",
                key=key,
                request=identify(body, PurchaseCreate.model_validate(body)),
                retention=timedelta(days=7),
                action=record,
            )
        return bytes(answer.response().body)

    first = asyncio.create_task(first_post())
    await started.wait()
    headers = store.headers | {"Idempotency-Key": key}
    try:  # it must not wait for the first
        refused = await asyncio.wait_for(
            client.post("/purchases", json=body, headers=headers), timeout=10
        )
    finally:
        release.set()
    first_answer = await first

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["title"] == RequestInProgress.title
    again = await client.post("/purchases", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first_answer
    assert again.headers["Location"] == f"/purchases/{again.json()['id']}"


async def test_the_same_key_from_two_stores_is_two_sales(
    client: httpx.AsyncClient, orders_sessions: Sessions, member: KnownMember
) -> None:
    key = {"Idempotency-Key": "R-0001"}
    body = _body(member, 0, "R-0001")
    ids = set()
    for name in ("A", "B"):
        store = await new_store(orders_sessions, f"Store {name}")
        response = await client.post("/purchases", json=body, headers=store.headers | key)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
        ids.add(response.json()["id"])
    assert len(ids) == 2


# --- property ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One request of a plan: which store, which key (a letter), which body variant."""

    store: int
    key: str
    variant: int


@dataclass(frozen=True)
class Got:
    sent: Sent
    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def fresh(self) -> bool:
        return self.status == 201 and "Idempotent-Replayed" not in self.response.headers

    @property
    def reused(self) -> bool:
        return self.status == 422 and "different request body" in self.response.json()["detail"]

    @property
    def outcome(self) -> str:
        if self.status == 201:
            return "recorded" if self.fresh else "replayed"
        return "422 key reused" if self.reused else str(self.status)


STORES = 2
# groups run one after the other; the requests of a group are sent together
PLANS = st.lists(
    st.lists(
        st.builds(
            Sent,
            store=st.integers(0, STORES - 1),
            key=st.sampled_from("ab"),
            variant=st.integers(0, UNKNOWN_MEMBER),
        ),
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=4,
)


async def test_random_keys_bodies_and_concurrency_never_double_a_sale(
    client: httpx.AsyncClient, orders_sessions: Sessions, member: KnownMember
) -> None:
    loop = asyncio.get_running_loop()
    stores = [await new_store(orders_sessions, f"Property store {n}") for n in range(STORES)]

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(plan=PLANS)
    def prop(plan: list[list[Sent]]) -> None:
        check = _check_plan(client, orders_sessions, stores, member, plan)
        seen.update(asyncio.run_coroutine_threadsafe(check, loop).result())

    seen: Counter[str] = Counter()
    await asyncio.to_thread(prop)
    # the examples did meet every case, concurrent ones included
    assert set(seen) == {"recorded", "replayed", "409", "422 key reused", "422"}, seen


async def _check_plan(
    client: httpx.AsyncClient,
    sessions: Sessions,
    stores: list[StoreKey],
    member: KnownMember,
    plan: list[list[Sent]],
) -> list[str]:
    """Sends the plan, checks the answers and the database; returns the outcomes seen."""
    namespace = uuid.uuid4().hex[:12]  # keys of earlier examples stay out of the way

    def receipt(sent: Sent) -> str:
        return f"{namespace}-{sent.key}"

    async def post(sent: Sent) -> Got:
        response = await client.post(
            "/purchases",
            json=_body(member, sent.variant, receipt(sent)),
            headers=stores[sent.store].headers | {"Idempotency-Key": receipt(sent)},
        )
        return Got(sent, response)

    # (store, key) -> the body variant and the bytes of its first successful answer
    recorded: dict[tuple[int, str], tuple[int, bytes]] = {}
    outcomes: list[str] = []
    for group in plan:
        answers = await asyncio.gather(*(post(sent) for sent in group))
        by_key: dict[tuple[int, str], list[Got]] = defaultdict(list)
        for got in answers:
            assert got.status in (201, 409, 422), got.response.text
            by_key[got.sent.store, got.sent.key].append(got)
        for store_key, gots in by_key.items():
            _check_key(gots, recorded, store_key)
        outcomes.extend(got.outcome for got in answers)

    for (store, key), (_, answer) in recorded.items():
        assert await _sales(sessions, stores[store], f"{namespace}-{key}") == [
            PurchaseOut.model_validate_json(answer).id
        ]
    for store, key in {(s.store, s.key) for group in plan for s in group} - recorded.keys():
        assert await _sales(sessions, stores[store], f"{namespace}-{key}") == []
    return outcomes


def _check_key(
    gots: list[Got], recorded: dict[tuple[int, str], tuple[int, bytes]], store_key: tuple[int, str]
) -> None:
    """The answers of one group for one (store, key), against what earlier groups recorded."""
    earlier = recorded.get(store_key)
    for got in gots:
        if got.status == 409:
            assert earlier is None, "409 for a key whose answer was already stored"
            assert len(gots) > 1, "409 without another request with this key in flight"
            assert got.response.headers["content-type"] == PROBLEM_JSON
            assert got.response.headers["Retry-After"] == "1"
            assert got.response.json()["title"] == RequestInProgress.title
    fresh = [got for got in gots if got.fresh]
    assert len(fresh) <= (0 if earlier else 1), "the sale was recorded twice"
    if fresh:
        recorded[store_key] = (fresh[0].sent.variant, fresh[0].response.content)
    winner = recorded.get(store_key)
    for got in gots:
        if got.status == 201:
            assert winner is not None
            assert (got.sent.variant, got.response.content) == winner, "a replay differs"
        elif got.reused:
            assert winner is not None
            assert got.sent.variant != winner[0]
        elif got.status == 422:
            assert got.sent.variant == UNKNOWN_MEMBER, got.response.text
            assert earlier is None
    if earlier is not None:  # nothing was in flight: every answer is final
        for got in gots:
            assert got.status == (201 if got.sent.variant == earlier[0] else 422)
    elif winner is None:  # nobody recorded it: those with a valid body met one in flight
        for got in gots:
            if got.sent.variant != UNKNOWN_MEMBER:
                assert got.status == 409


async def _sales(sessions: Sessions, store: StoreKey, receipt_no: str) -> list[uuid.UUID]:
    """The store's purchases with this receipt number, each checked to have one event."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(col(Purchase.id)).where(
                    col(Purchase.store_id) == store.store_id, col(Purchase.receipt_no) == receipt_no
                )
            )
        )
        for purchase_id in ids:
            events = await session.scalar(
                select(func.count())
                .select_from(outbox.table)
                .where(
                    outbox.table.c.event_type == "orders.purchase.completed",
                    outbox.table.c.envelope["data"]["purchase_id"].astext == str(purchase_id),
                )
            )
            assert events == 1
    return ids

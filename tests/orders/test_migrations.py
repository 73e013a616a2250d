"""A database of the previous release upgrades with its data: receipt numbers become unique
per store without losing a sale, and the member directory may release a phone hash."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
import pytest

from huiyuan.provision import upgrade
from services.orders.config import Settings
from services.orders.purchases import service
from services.orders.purchases.errors import ReceiptReused
from services.orders.purchases.schemas import PurchaseCreate, PurchaseOut
from services.orders.stores.keys import KnownStores
from shared.auth import hash_api_key
from shared.crypto import PiiCipher
from shared.db import asyncpg_dsn, create_engine, create_sessions, transaction
from shared.idempotency import Replayed
from tests.stack import Scratch, Stack

PREVIOUS_HEAD = "b8d4e2f6a1c9"
CARD = "8869000000001"
SALE: dict[str, Any] = {
    "card_number": CARD,
    "lines": [{"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}],
    "receipt_no": "R-1",
    "purchased_at": "2026-11-20T06:30:00Z",
}
# the fingerprint the previous release stored for SALE's key (computed by its code)
SALE_FINGERPRINT = "e3584c854b3cef84195e2395c9b0d88228d22b957c95b72673c245d0c940ec88"


@pytest.fixture
async def previous_release(stack: Stack) -> AsyncIterator[str]:
    """A database of its own with orders migrated to the previous release's head; its URL."""
    async with stack.scratch_database("orders", PREVIOUS_HEAD) as url:
        yield url


async def test_duplicate_receipts_are_kept_and_marked_and_the_receipt_stays_one_sale(
    stack: Stack, previous_release: str, caplog: pytest.LogCaptureFixture
) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(previous_release))
    store, other_store, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first, second, third, elsewhere, no_receipt, old = (uuid.uuid4() for _ in range(6))
    t0 = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    try:
        for store_id, key_hash in ((store, "a" * 64), (other_store, "b" * 64)):
            await connection.execute(
                "INSERT INTO orders.stores (id, name, api_key_hash, created_at) "
                "VALUES ($1, 'Store', $2, $3)",
                store_id,
                key_hash,
                t0,
            )
        await connection.execute(
            "INSERT INTO orders.members (member_id, card_number, phone_hash) VALUES ($1, $2, $3)",
            member,
            CARD,
            "c" * 64,
        )
        # three sales with R-1 at one store (the fault), one at another, two without a
        # receipt, and R-2 whose key has expired
        purchases = [
            (first, store, "R-1", 0),
            (second, store, "R-1", 1),
            (third, store, "R-1", 2),
            (elsewhere, other_store, "R-1", 3),
            (no_receipt, store, None, 4),
            (uuid.uuid4(), store, None, 5),
            (old, store, "R-2", 6),
        ]
        for purchase_id, store_id, receipt_no, minutes in purchases:
            await connection.execute(
                "INSERT INTO orders.purchases (id, store_id, member_id, total_fen, purchased_at,"
                " receipt_no, created_at) VALUES ($1, $2, $3, 39800, $4, $5, $6)",
                purchase_id,
                store_id,
                member,
                t0,
                receipt_no,
                t0 + timedelta(minutes=minutes),
            )
            await connection.execute(
                "INSERT INTO orders.purchase_lines (purchase_id, line_no, sku, category,"
                " quantity, unit_price_fen) VALUES ($1, 1, 'HC-001', 'health', 2, 19900)",
                purchase_id,
            )
        for key, purchase_id, request_hash in (
            ("k-first", first, SALE_FINGERPRINT),
            ("k-second", second, "d" * 64),
        ):
            await connection.execute(
                "INSERT INTO orders.idempotency_keys (scope, key, request_hash, status_code,"
                " response, expires_at)"
                " VALUES ($1, $2, $3, 201, $4::json, now() + interval '1 day')",
                f"store:{store}",
                key,
                request_hash,
                orjson.dumps({"id": str(purchase_id), "receipt_no": "R-1"}).decode(),
            )

        with caplog.at_level(logging.WARNING, logger="huiyuan.migrations.orders"):
            await asyncio.to_thread(upgrade, "orders", previous_release)

        assert "2 purchases repeated a receipt number" in caplog.text

        rows = {
            row["id"]: (row["duplicate_of"], row["request_hash"])
            for row in await connection.fetch(
                "SELECT id, duplicate_of, request_hash FROM orders.purchases"
            )
        }
        assert len(rows) == len(purchases)
        assert rows[first] == (None, SALE_FINGERPRINT)
        assert rows[second] == (first, "d" * 64)
        assert rows[third] == (first, None)
        assert rows[elsewhere] == (None, None)
        assert rows[no_receipt] == (None, None)
        assert rows[old] == (None, None)
        assert await connection.fetchval("SELECT count(*) FROM orders.purchase_lines") == len(
            purchases
        )
        assert (
            await connection.fetchval(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'orders' AND table_name = 'members' "
                "AND column_name = 'phone_hash'"
            )
            == "YES"
        )
        assert (
            await connection.fetchval(
                "SELECT phone_hash FROM orders.members WHERE member_id = $1", member
            )
            == "c" * 64
        )
    finally:
        await connection.close()

    engine = create_engine(stack.settings("orders", database_url=previous_release))
    sessions = create_sessions(engine)
    cipher = PiiCipher(stack.settings("orders").pii_key.get_secret_value())
    try:
        async with transaction(sessions) as session:
            repeat = await service.record_purchase(
                session, cipher, store, PurchaseCreate.model_validate(SALE), sent=SALE
            )
            assert isinstance(repeat, Replayed)
            assert isinstance(repeat.answer, PurchaseOut)
            assert repeat.answer.id == first
        for receipt_no in ("R-2", "R-1"):
            changed = SALE | {"receipt_no": receipt_no, "lines": SALE["lines"] * 2}
            with pytest.raises(ReceiptReused):
                async with transaction(sessions) as session:
                    await service.record_purchase(
                        session, cipher, store, PurchaseCreate.model_validate(changed), sent=changed
                    )
        async with transaction(sessions) as session:
            sent = SALE | {"receipt_no": "R-3"}
            recorded = await service.record_purchase(
                session, cipher, other_store, PurchaseCreate.model_validate(sent), sent=sent
            )
            assert isinstance(recorded, PurchaseOut)
    finally:
        await engine.dispose()


async def test_each_store_key_moves_into_store_keys_keeps_working_and_moves_back(
    stack: Stack,
) -> None:
    legacy = "hy_" + "k" * 43  # a key of the shape issued before key ids
    store = uuid.uuid4()
    async with stack.scratch_database("orders", "e7a2c4f9b1d3") as url:
        scratch = Scratch("orders", url)
        await scratch.sql(
            "INSERT INTO orders.stores (id, name, api_key_hash, created_at) "
            "VALUES ($1, 'Store', $2, now())",
            store,
            hash_api_key(legacy),
        )

        await scratch.upgrade("a69d82c59e28")

        (moved,) = await scratch.sql("SELECT * FROM orders.store_keys WHERE store_id = $1", store)
        assert moved["key_hash"] == hash_api_key(legacy)
        assert len(moved["id"]) == 16
        assert (moved["expires_at"], moved["revoked_at"], moved["last_used_at"]) == (None,) * 3
        engine = create_engine(stack.settings("orders", database_url=url))
        try:
            async with transaction(create_sessions(engine)) as session:
                settings = stack.settings("orders")
                assert isinstance(settings, Settings)
                found = await KnownStores.of(settings).for_key(session, legacy, "127.0.0.1")
        finally:
            await engine.dispose()
        assert found is not None
        assert found.id == store

        await scratch.downgrade("e7a2c4f9b1d3")

        (back,) = await scratch.sql("SELECT api_key_hash FROM orders.stores WHERE id = $1", store)
        assert back["api_key_hash"] == hash_api_key(legacy)

"""Tags and categories for the search benchmark, put on the members already loaded by SQL.

Tags: ``common`` on 30% of members, ``rare`` on 0.1%. Categories: 零售客户 > 新客户 and
老客户, and 团购客户; every member is in one of the three leaves (by card serial), so
零售客户 with its descendants holds two thirds of them.
"""

from __future__ import annotations

import uuid

import asyncpg

COMMON_TAG = uuid.UUID(int=1)
RARE_TAG = uuid.UUID(int=2)
RETAIL, NEW, OLD, GROUP = (uuid.UUID(int=n) for n in (11, 12, 13, 14))
_TREE = ((RETAIL, "零售客户", None), (NEW, "新客户", RETAIL), (OLD, "老客户", RETAIL))
_LEAVES = {0: (NEW, RETAIL), 1: (OLD, RETAIL), 2: (GROUP,)}


async def load(dsn: str) -> None:
    """Adds the tags, the tree and every member's rows, then ANALYZEs the tables."""
    connection = await asyncpg.connect(dsn)
    try:
        for tag, name, share in ((COMMON_TAG, "common", 300), (RARE_TAG, "rare", 1)):
            await connection.execute(
                "INSERT INTO customer.tags VALUES ($1, $2, $2, NULL, now(), now())", tag, name
            )
            await connection.execute(
                "INSERT INTO customer.member_tags SELECT $1, created_at, id, now() "
                "FROM customer.members WHERE card_serial % 1000 < $2",
                tag,
                share,
            )
        for category, name, parent in (*_TREE, (GROUP, "团购客户", None)):
            await connection.execute(
                "INSERT INTO customer.categories VALUES ($1, $2, $2, $3, now(), now())",
                category,
                name,
                parent,
            )
        for remainder, path in _LEAVES.items():
            for depth, category in enumerate(path):
                await connection.execute(
                    "INSERT INTO customer.member_categories SELECT $1, created_at, id, $2, "
                    "now() FROM customer.members WHERE card_serial % 3 = $3",
                    category,
                    depth,
                    remainder,
                )
        for table in ("tags", "member_tags", "categories", "member_categories"):
            await connection.execute(f"ANALYZE customer.{table}")
    finally:
        await connection.close()

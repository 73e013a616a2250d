"""Custom field values for the search benchmark, and the field searches it measures.

Two searchable fields: ``skin_type`` (a choice every member has: dry 40 %, oily 30 %,
combination 25 %, sensitive 4.9 %, rare 0.1 %) and ``height_cm`` (a number 150-200, for
60 % of members), written set-based in SQL from the loaded members.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import asyncpg

_DEFINE = """
INSERT INTO customer.custom_fields (key, id, labels, type, choices, required, searchable,
    max_length, minimum, maximum, status, created_at, updated_at)
VALUES ($1, gen_random_uuid(), '{"zh-CN": "字段", "en": "Field"}', $2, $3::jsonb, false, true,
    NULL, NULL, NULL, 'active', now(), now())
"""
_SKIN = """
INSERT INTO customer.member_field_values (field_key, member_id, created_at, term)
SELECT 'skin_type', id, created_at,
       CASE WHEN r < 0.001 THEN 'rare' WHEN r < 0.05 THEN 'sensitive'
            WHEN r < 0.30 THEN 'combination' WHEN r < 0.60 THEN 'oily' ELSE 'dry' END
FROM (SELECT id, created_at, random() AS r FROM customer.members) AS drawn
"""
_HEIGHT = """
INSERT INTO customer.member_field_values (field_key, member_id, created_at, number)
SELECT 'height_cm', id, created_at, 150 + floor(random() * 51)::bigint
FROM customer.members WHERE random() < 0.6
"""
SKIN_CODES = ("dry", "oily", "combination", "sensitive", "rare")

FieldDraw = Callable[[random.Random], tuple[str | None, dict[str, str]]]
"""A draw of ``q`` (or none) and the ``field.<key>`` parameters of one query."""
FIELD_KINDS: dict[str, FieldDraw] = {
    "field: choice of 40 %": lambda _: (None, {"field.skin_type": "dry"}),
    "field: choice of 0.1 %": lambda _: (None, {"field.skin_type": "rare"}),
    "field: number = (1.2 %)": lambda r: (None, {"field.height_cm": str(r.randint(150, 200))}),
    "field: number a..a+4 (6 %)": lambda r: (None, {"field.height_cm": _five_heights(r)}),
    "field 4.9 % + q name (1 char)": lambda r: (
        r.choice("伟芳娜秀英敏"),
        {"field.skin_type": "sensitive"},
    ),
    "two fields (40 % and 1.2 %)": lambda r: (
        None,
        {"field.skin_type": "dry", "field.height_cm": str(r.randint(150, 200))},
    ),
}


def _five_heights(rng: random.Random) -> str:
    low = rng.randint(150, 196)
    return f"{low}..{low + 4}"


async def load_fields(dsn: str) -> None:
    """Defines the two fields and writes every loaded member's values, then VACUUMs."""
    connection = await asyncpg.connect(dsn)
    try:
        choices = [{"code": code, "labels": {"zh-CN": code, "en": code}} for code in SKIN_CODES]
        await connection.execute(_DEFINE, "skin_type", "choice", json.dumps(choices))
        await connection.execute(_DEFINE, "height_cm", "number", "[]")
        await connection.execute("SELECT setseed(0.15)")
        await connection.execute(_SKIN)
        await connection.execute(_HEIGHT)
        # as autovacuum would after a million inserts: counting a filter's values is an
        # index-only scan, which reads the heap for every row the visibility map lacks
        await connection.execute("VACUUM ANALYZE customer.member_field_values")
    finally:
        await connection.close()

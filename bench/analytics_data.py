"""Read models for the analytics benchmark, generated set-based inside PostgreSQL.

``generate_series`` writes straight into the migrated ``analytics`` tables: no API, no
events. The purchases come first (10 per member on average, skewed: a fifth of the
members never buy, the first members buy most); each member's row is then the aggregate
of their purchases exactly as the consumers fold them (counted purchases neither voided
nor fully returned; spend of the purchases not voided, less their refunds; first and last
purchase of the sales not voided). Of the purchases 0.5 % are voided, 1 % fully returned
and 2 % half returned. Amounts and times are drawn by ``random()`` after ``setseed``, so
a run gives the same data (up to ``now``, which anchors the three years of history).
The secondary indexes of ``purchases`` are dropped for the load and built again after it.
"""

from __future__ import annotations

import asyncpg

SEED = 0.29
HISTORY_DAYS = 3 * 365
BUYING_SHARE = 0.8
"""The members who ever buy (the rest registered only)."""

_PURCHASES = """
INSERT INTO analytics.purchases
    (purchase_id, member_id, store_id, total_fen, returned_fen, fully_returned,
     purchased_at, voided_at)
SELECT md5('p' || g)::uuid,
       md5('m' || (1 + floor($2 * power(a, 2)))::bigint)::uuid,
       md5('s' || (g % 200))::uuid,
       total,
       CASE WHEN c < 0.015 AND c >= 0.005 THEN total
            WHEN c >= 0.015 AND c < 0.035 THEN total / 2 ELSE 0 END,
       c >= 0.005 AND c < 0.015,
       at,
       CASE WHEN c < 0.005 THEN at + interval '1 hour' END
  FROM (SELECT g, a, c,
               500 + floor(power(b, 3) * 200000)::bigint AS total,
               $3::timestamptz - d * interval '1 day' * $4 AS at
          FROM (SELECT g, random() AS a, random() AS b, random() AS c, random() AS d
                  FROM generate_series(1, $1::bigint) AS g) AS drawn) AS purchase
"""

_MEMBERS = """
INSERT INTO analytics.members
    (member_id, registered_at, store_id, purchase_count, spend_fen, returned_fen,
     first_purchase_at, last_purchase_at, tier_code)
SELECT md5('m' || i)::uuid,
       $2::timestamptz - interval '1 day' * $3 * (1 - i::float8 / $1),
       md5('s' || (i % 200))::uuid,
       coalesce(f.purchase_count, 0),
       coalesce(f.spend_fen, 0),
       coalesce(f.returned_fen, 0),
       f.first_purchase_at,
       f.last_purchase_at,
       (ARRAY['silver', 'gold', 'platinum'])[1 + i % 3]
  FROM generate_series(1, $1::bigint) AS i
  LEFT JOIN (SELECT member_id,
                    count(*) FILTER (WHERE voided_at IS NULL AND NOT fully_returned)
                        AS purchase_count,
                    sum(total_fen) FILTER (WHERE voided_at IS NULL) AS spend_fen,
                    sum(returned_fen) FILTER (WHERE voided_at IS NULL) AS returned_fen,
                    min(purchased_at) FILTER (WHERE voided_at IS NULL) AS first_purchase_at,
                    max(purchased_at) FILTER (WHERE voided_at IS NULL) AS last_purchase_at
               FROM analytics.purchases GROUP BY member_id) AS f
    ON f.member_id = md5('m' || i)::uuid
"""

_SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'analytics' AND tablename = 'purchases'
   AND indexname NOT IN (SELECT conname FROM pg_constraint)
"""


async def generate(dsn: str, members: int, purchases: int) -> None:
    """Fills ``analytics.purchases`` and ``analytics.members`` of ``dsn`` (empty, migrated)
    with ``purchases`` and ``members`` rows, then VACUUM ANALYZEs them."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET maintenance_work_mem = '256MB'")
        await connection.execute("SET work_mem = '256MB'")
        indexes = await connection.fetch(_SECONDARY_INDEXES)
        for index in indexes:
            await connection.execute(f'DROP INDEX analytics."{index["indexname"]}"')
        await connection.execute(f"SELECT setseed({SEED})")
        now = await connection.fetchval("SELECT now()")
        buying = int(members * BUYING_SHARE)
        await connection.execute(_PURCHASES, purchases, buying - 1, now, HISTORY_DAYS)
        for index in indexes:
            await connection.execute(index["indexdef"])
        await connection.execute(_MEMBERS, members, now, HISTORY_DAYS)
        await connection.execute("VACUUM ANALYZE analytics.purchases")
        await connection.execute("VACUUM ANALYZE analytics.members")
    finally:
        await connection.close()

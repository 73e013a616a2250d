"""The member's loyalty view as one statement: the hot read (``GET /members/{id}/loyalty``).

It reads the tables of the accounts kernel (holders, accounts, lots), the program (the
ladder), tiers (the standing, the policy, qualifying purchases), lots (the points policy)
and reservations (till holds), as the audiences' selection does: one round trip instead of
the nine the capabilities' own reads cost, sent as asyncpg's prepared statement. What
each part computes is what those capabilities compute (``tests/loyalty/members/
test_one_statement.py`` holds it to their answer for every kind of member).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from shared.db import AsyncSession, prepared_fetch

_VIEW = """
WITH own AS (
    SELECT coalesce(pool.account_id, a.account_id) AS account_id,
           coalesce(pool.balance, a.balance) AS balance
    FROM loyalty.account_holders h
    JOIN loyalty.accounts a ON a.account_id = h.account_id
    LEFT JOIN loyalty.accounts pool ON pool.account_id = a.pooled_into
    WHERE h.member_id = $1 AND h.role = 'owner'
), terms AS (
    SELECT p.window_kind = 'lifetime' AS lifetime,
           CASE p.window_kind
               WHEN 'calendar_year' THEN date_trunc(
                   'year', ($2::timestamptz - interval '1 microsecond') AT TIME ZONE $3::text
               ) AT TIME ZONE $3::text
               WHEN 'rolling_months' THEN (
                   ($2::timestamptz AT TIME ZONE $3::text)
                   - make_interval(months => p.window_months)
               ) AT TIME ZONE $3::text
           END AS window_start,
           coalesce(
               (SELECT pp.expiring_notice_days FROM loyalty.points_policy pp WHERE pp.id = 1),
               $4::integer
           ) AS notice_days
    FROM loyalty.tier_policy p
    WHERE p.id = 1
), household AS (
    SELECT hh.member_id
    FROM own JOIN loyalty.account_holders hh ON hh.account_id = own.account_id
    WHERE hh.role = 'household'
), lots AS (
    SELECT l.remaining,
           l.available_at <= greatest($2::timestamptz, l.earned_at) AS available,
           (l.available_at AT TIME ZONE $3::text)::date AS available_on,
           CASE WHEN l.expires_at <= $2::timestamptz + make_interval(hours => 24 * t.notice_days)
               THEN ((l.expires_at - interval '1 microsecond') AT TIME ZONE $3::text)::date
           END AS valid_through
    FROM own
    JOIN loyalty.point_lots l ON l.account_id = own.account_id
    CROSS JOIN terms t
    WHERE l.remaining > 0
), held AS (
    SELECT r.reservation_id, r.store_id, r.points, r.expires_at
    FROM loyalty.till_reservations r
    WHERE r.status = 'held' AND r.tender = 'points' AND r.account_id IN (
        SELECT account_id FROM own
        UNION ALL
        SELECT owned.account_id
        FROM household
        JOIN loyalty.account_holders owned ON owned.member_id = household.member_id
        WHERE owned.role = 'owner'
    )
)
SELECT own.account_id, own.balance,
       ladder.codes, ladder.names, ladder.thresholds,
       s.tier_code,
       CASE WHEN s.member_id IS NULL THEN NULL
           WHEN t.lifetime THEN s.qualifying_spend_fen
           ELSE (
               SELECT coalesce(sum(q.total_fen - q.returned_fen), 0)::bigint
               FROM loyalty.qualifying_purchases q
               WHERE q.member_id = $1
                 AND q.purchased_at >= t.window_start AND q.purchased_at < $2::timestamptz
           )
       END AS own_spend,
       CASE WHEN s.member_id IS NOT NULL AND EXISTS (SELECT FROM household) THEN (
           SELECT coalesce(sum(q.total_fen - q.returned_fen), 0)::bigint
           FROM loyalty.qualifying_purchases q
           WHERE q.account_id = own.account_id AND (t.lifetime OR (
               q.purchased_at >= t.window_start AND q.purchased_at < $2::timestamptz
           ))
       ) END AS household_spend,
       (SELECT coalesce(sum(remaining), 0)::bigint FROM lots WHERE available) AS available,
       pending.days AS pending_days, pending.points AS pending_points,
       expiring.days AS expiring_days, expiring.points AS expiring_points,
       holds.ids AS held_ids, holds.stores AS held_stores,
       holds.points AS held_points, holds.expires AS held_expires
FROM own
CROSS JOIN terms t
LEFT JOIN loyalty.tier_standings s ON s.member_id = $1
CROSS JOIN LATERAL (
    SELECT array_agg(code ORDER BY threshold_fen) AS codes,
           array_agg(name ORDER BY threshold_fen) AS names,
           array_agg(threshold_fen ORDER BY threshold_fen) AS thresholds
    FROM loyalty.tiers
) ladder
CROSS JOIN LATERAL (
    SELECT array_agg(day ORDER BY day) AS days, array_agg(points ORDER BY day) AS points
    FROM (
        SELECT available_on AS day, sum(remaining)::bigint AS points
        FROM lots WHERE NOT available GROUP BY available_on
    ) by_day
) pending
CROSS JOIN LATERAL (
    SELECT array_agg(day ORDER BY day) AS days, array_agg(points ORDER BY day) AS points
    FROM (
        SELECT valid_through AS day, sum(remaining)::bigint AS points
        FROM lots WHERE valid_through IS NOT NULL GROUP BY valid_through
    ) by_day
) expiring
CROSS JOIN LATERAL (
    SELECT array_agg(reservation_id ORDER BY expires_at, reservation_id) AS ids,
           array_agg(store_id ORDER BY expires_at, reservation_id) AS stores,
           array_agg(points ORDER BY expires_at, reservation_id) AS points,
           array_agg(expires_at ORDER BY expires_at, reservation_id) AS expires
    FROM held
) holds
"""
"""``$1`` the member, ``$2`` now, ``$3`` the brand's timezone, ``$4`` the notice days of the
default points policy. A rolling tier window starts at the same local time ``window_months``
earlier (the month's last day when it is shorter), as
:func:`services.loyalty.tiers.domain.add_months`; in a timezone with daylight saving, a start
that falls in the hour a clock change skips or repeats may be read an hour apart from it
(PostgreSQL takes a repeated hour as standard time, Python by ``fold``)."""


@dataclass(frozen=True)
class ViewRow:
    """What the statement reads; ``None`` arrays are empty ones."""

    account_id: uuid.UUID
    balance: int
    ladder: list[tuple[str, str, int]]
    """``(code, name, threshold_fen)``, lowest tier first."""
    tier_code: str | None
    """The standing's tier; None for a member without one."""
    own_spend_fen: int | None
    """Their own spend toward tiers now (None without a standing)."""
    household_spend_fen: int | None
    """The household's, when the account is a household's (None otherwise)."""
    available: int
    pending: list[tuple[date, int]]
    expiring_soon: list[tuple[date, int]]
    held: list[tuple[uuid.UUID, uuid.UUID, int, datetime]]
    """``(reservation_id, store_id, points, expires_at)``, soonest to run out first."""


async def loyalty_view(
    session: AsyncSession,
    member_id: uuid.UUID,
    now: datetime,
    zone: str,
    default_notice_days: int,
) -> ViewRow | None:
    """The member's view at ``now`` (days in ``zone``, an IANA name); None when they hold
    no account."""
    rows = await prepared_fetch(session, _VIEW, member_id, now, zone, default_notice_days)
    if not rows:
        return None
    row = rows[0]
    return ViewRow(
        account_id=row["account_id"],
        balance=row["balance"],
        ladder=list(
            zip(row["codes"] or (), row["names"] or (), row["thresholds"] or (), strict=True)
        ),
        tier_code=row["tier_code"],
        own_spend_fen=row["own_spend"],
        household_spend_fen=row["household_spend"],
        available=row["available"],
        pending=list(zip(row["pending_days"] or (), row["pending_points"] or (), strict=True)),
        expiring_soon=list(
            zip(row["expiring_days"] or (), row["expiring_points"] or (), strict=True)
        ),
        held=list(
            zip(
                row["held_ids"] or (),
                row["held_stores"] or (),
                row["held_points"] or (),
                row["held_expires"] or (),
                strict=True,
            )
        ),
    )

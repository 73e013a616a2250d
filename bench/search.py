"""``python -m bench.search`` (``make bench-search``): member search latency at N members.

Starts an embedded PostgreSQL of its own in a scratch directory, provisions and migrates
the customer schema into a scratch database, COPYs N members into it
(:mod:`bench.search_data`), then runs each kind of query ``--runs`` times through the
search use case (classification, SQL, decryption and masking of the page: everything but
HTTP), also within a tag or a category (:mod:`bench.search_groups`), and prints p50/p99
per kind. docs/performance.md has the figures.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import asyncpg
import typer
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import search_groups as groups
from bench.search_data import GIVEN, LATIN_LAST, SURNAMES, load, phone_of
from bench.search_fields import FIELD_KINDS, FieldDraw, load_fields
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import provision_service, service_database_url, upgrade
from services.customer.fields import service as custom_fields
from services.customer.members.domain import card_number
from services.customer.search import service
from services.customer.search.domain import ANYONE, Scope, classify
from shared.crypto import PiiCipher
from shared.db import asyncpg_dsn, create_sessions
from shared.settings import DEV_PII_KEY

PAGE = 50
TARGET_P99_MS = 50.0
Draw = Callable[[random.Random, int], str]

KINDS: dict[str, Draw] = {
    "phone (typed with spaces)": lambda r, n: _spaced(phone_of(r.randint(1, n))),
    "card number": lambda r, n: card_number("8860", r.randint(1, n)),
    "initial (one letter)": lambda r, _: r.choice("WLZCYHSGMXJ"),
    "name prefix (surname + 1)": lambda r, _: r.choice(SURNAMES) + r.choice(GIVEN),
    "name contains (1 character)": lambda r, _: r.choice(GIVEN),
    "name contains (2 characters)": lambda r, _: "".join(r.choices(GIVEN, k=2)),
    "full name (3 characters)": lambda r, _: r.choice(SURNAMES) + "".join(r.choices(GIVEN, k=2)),
    "Latin part of a name": lambda r, _: r.choice(LATIN_LAST)[1:4].lower(),
}


Scoped = Callable[[random.Random], tuple[str | None, Scope]]
"""A query within a tag or category: ``q`` (or ``None``: the scope alone) and the scope."""
SCOPED: dict[str, Scoped] = {
    "tag (30% of members)": lambda _: (None, Scope(tag_id=groups.COMMON_TAG)),
    "tag (0.1% of members)": lambda _: (None, Scope(tag_id=groups.RARE_TAG)),
    "category + descendants (2/3)": lambda _: (None, Scope(category_id=groups.RETAIL)),
    "tag (30%) + leaf category": lambda _: (
        None,
        Scope(tag_id=groups.COMMON_TAG, category_id=groups.NEW),
    ),
    "tag (30%) + name prefix": lambda r: (
        r.choice(SURNAMES) + r.choice(GIVEN),
        Scope(tag_id=groups.COMMON_TAG),
    ),
    "tag (0.1%) + initial": lambda r: (r.choice("WLZ"), Scope(tag_id=groups.RARE_TAG)),
    "tag (0.1%) + name (1 char)": lambda r: (r.choice(GIVEN), Scope(tag_id=groups.RARE_TAG)),
}

Search = Callable[[random.Random], tuple[str | None, Scope, dict[str, str]]]
"""One query: ``q`` (or ``None``), the tag/category scope and the ``field.<key>`` parameters."""


def _plain(draw: Draw, members: int) -> Search:
    return lambda r: (draw(r, members), ANYONE, {})


def _scoped(draw: Scoped) -> Search:
    return lambda r: (*draw(r), {})


def _fielded(draw: FieldDraw) -> Search:
    def search(r: random.Random) -> tuple[str | None, Scope, dict[str, str]]:
        q, params = draw(r)
        return q, ANYONE, params

    return search


def _spaced(phone: str) -> str:
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile of ``samples`` by the nearest-rank method."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def _measure(url: str, members: int, runs: int) -> list[tuple[str, float, float, float]]:
    engine = create_async_engine(url, pool_size=1)
    sessions = create_sessions(engine)
    cipher = PiiCipher(DEV_PII_KEY)
    rng = random.Random(50)
    figures = []
    try:
        draws: dict[str, Search] = {kind: _plain(draw, members) for kind, draw in KINDS.items()}
        draws |= {kind: _scoped(draw) for kind, draw in SCOPED.items()}
        draws |= {kind: _fielded(draw) for kind, draw in FIELD_KINDS.items()}
        for kind, draw in draws.items():
            timings: list[float] = []
            found = 0
            for attempt in range(runs + runs // 10):  # the first tenth warms the cache
                q, scope, params = draw(rng)
                started = time.perf_counter()
                async with sessions() as session:
                    fields = await custom_fields.filters(session, cipher, params.items())
                    page = await service.search(
                        session, cipher, query=classify(q) if q else None, name_part=None,
                        initial=None, limit=PAGE, after=None, scope=scope, fields=fields,
                    )  # fmt: skip
                if attempt >= runs // 10:
                    timings.append((time.perf_counter() - started) * 1000)
                    found += len(page.items)
            figures.append(
                (kind, percentile(timings, 0.5), percentile(timings, 0.99), found / runs)
            )
    finally:
        await engine.dispose()
    return figures


async def _prepare(admin_url: str, members: int, say: Callable[[str], None]) -> str:
    admin = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await admin.execute("CREATE DATABASE search_bench")
    finally:
        await admin.close()
    database = make_url(admin_url).set(database="search_bench").render_as_string(False)
    await provision_service(database, "customer", password=None)
    url = service_database_url(database, "customer", password=None)
    await asyncio.to_thread(upgrade, "customer", url)
    started = time.monotonic()
    await load(asyncpg_dsn(database), PiiCipher(DEV_PII_KEY), members)
    await groups.load(asyncpg_dsn(database))
    await load_fields(asyncpg_dsn(database))
    say(f"Loaded {members:,} members by COPY in {time.monotonic() - started:.0f} s")
    return url


def main(
    members: Annotated[int, typer.Option(min=1000, help="Members to load")] = 1_000_000,
    runs: Annotated[int, typer.Option(min=10, help="Queries of each kind")] = 500,
) -> None:
    """Loads ``members`` members and prints p50/p99 (ms) of each kind of search query."""
    scratch = Path(tempfile.mkdtemp(prefix="huiyuan-bench-search-"))
    postgres = EmbeddedPostgres(scratch / "postgres")
    try:
        admin_url = postgres.start()
        url = asyncio.run(_prepare(admin_url, members, typer.echo))
        figures = asyncio.run(_measure(url, members, runs))
    finally:
        postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    typer.echo(f"\n{members:,} members, {runs} queries per kind, first page of {PAGE}:")
    typer.echo(f"{'kind':32} {'p50 ms':>8} {'p99 ms':>8} {'rows':>6}")
    for kind, p50, p99, rows in figures:
        flag = "" if p99 < TARGET_P99_MS else f"  (over the {TARGET_P99_MS:.0f} ms target)"
        typer.echo(f"{kind:32} {p50:8.1f} {p99:8.1f} {rows:6.1f}{flag}")


if __name__ == "__main__":
    typer.run(main)

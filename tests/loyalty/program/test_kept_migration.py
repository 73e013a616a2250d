"""The migration giving the draw campaigns and the categories' ancestors tokens of their own
upgrades from the program's tokens (``c5a1e7d3b9f2``) and downgrades to them."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.stack import Stack, migrate

BEFORE = "c5a1e7d3b9f2"
KEPT_DRAWS_AND_CATEGORIES = "a9c4020d0cca"


async def _state(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """The ``kept_versions`` rows' names and loyalty's triggers that give one a token."""
    async with engine.connect() as connection:
        names = set(
            (await connection.scalars(text("SELECT name FROM loyalty.kept_versions"))).all()
        )
        triggers = await connection.scalars(
            text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'loyalty' AND t.tgname LIKE 'bump_kept_%' "
                "AND c.relname IN ('lottery_campaigns', 'product_categories')"
            )
        )
        return names, set(triggers.all())


async def test_the_tokens_of_draws_and_categories_upgrade_and_downgrade(stack: Stack) -> None:
    async with stack.scratch_database("loyalty", BEFORE) as url:
        engine = create_async_engine(url)
        try:
            assert await _state(engine) == ({"program"}, set())
            await migrate("loyalty", url, KEPT_DRAWS_AND_CATEGORIES)
            assert await _state(engine) == (
                {"program", "draw_campaigns", "category_ancestors"},
                {
                    "bump_kept_draw_campaigns",
                    "bump_kept_category_ancestors",
                    "bump_kept_category_ancestors_rows",
                    "bump_kept_category_ancestors_inserts",
                },
            )
            token = text("SELECT version FROM loyalty.kept_versions WHERE name = :name")
            async with engine.begin() as connection:
                before = await connection.scalar(token, {"name": "draw_campaigns"})
                await connection.execute(text("DELETE FROM loyalty.lottery_campaigns"))
                assert await connection.scalar(token, {"name": "draw_campaigns"}) != before
            await migrate("loyalty", url, BEFORE, down=True)
            assert await _state(engine) == ({"program"}, set())
        finally:
            await engine.dispose()

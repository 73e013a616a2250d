"""A route of one statement runs it without a transaction around it (no BEGIN/COMMIT round
trips), and its connection goes back to the pool as it came: a route of several statements
on the same pool still runs them in one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text

from shared.dependencies import RequestSession, SingleStatementSession
from tests.server import serving
from tests.stack import Stack

routes = APIRouter(prefix="/test")
_TWO_XIDS = "SELECT txid_current()"


@routes.get("/single")
async def single(session: SingleStatementSession) -> list[int]:
    return [int((await session.execute(text(_TWO_XIDS))).scalar_one()) for _ in range(2)]


@routes.get("/transaction")
async def transaction(session: RequestSession) -> list[int]:
    return [int((await session.execute(text(_TWO_XIDS))).scalar_one()) for _ in range(2)]


@pytest.fixture(scope="module")
async def server(stack: Stack) -> AsyncIterator[str]:
    app = stack.app("customer")
    app.include_router(routes)
    async with serving(app) as url:
        yield url


async def test_each_statement_is_its_own_transaction_and_the_pool_keeps_transactions(
    server: str,
) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        for _ in range(6):  # alternating on a pool of a few connections: each is reused
            first, second = (await client.get("/test/single")).json()
            assert second > first  # two transactions: no BEGIN held them together
            first, second = (await client.get("/test/transaction")).json()
            assert second == first

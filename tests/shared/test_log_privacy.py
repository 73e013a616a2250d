"""A database error reaches the logs with its statement but without its parameters.

SQLAlchemy's error text lists a failed statement's parameters unless the engine hides
them; an outbox row's payload or a member's name would then be logged in clear by the
API's unexpected-error handler and by the consumer's failure logs, which print the error.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.db import create_engine
from shared.errors import install_problem_handlers
from tests.stack import Stack

PHONE = "+8613812345678"


async def test_a_failing_statement_is_logged_without_its_parameter_values(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(stack.settings("customer"))
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/fails")
    async def fails() -> None:
        async with engine.connect() as connection:
            # fails on the division, so PostgreSQL's own message does not quote the value
            await connection.execute(text("SELECT CAST(:phone AS text), 1 / 0"), {"phone": PHONE})

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            with caplog.at_level(logging.ERROR, logger="shared.errors"):
                response = await client.get("/fails")
    finally:
        await engine.dispose()

    assert response.status_code == 500
    assert PHONE not in response.text
    [record] = [record for record in caplog.records if record.name == "shared.errors"]
    logged = logging.Formatter("%(message)s").format(record)  # the message and its traceback
    assert "division by zero" in logged
    assert "SELECT CAST(" in logged  # the statement is still there to debug with
    assert "parameters hidden" in logged
    assert PHONE not in logged

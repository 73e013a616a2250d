"""A bearer token that is no JWT at all, in every service: 401 in this API's words (not the
JWT library's "Not enough segments"), with ``WWW-Authenticate: Bearer error="invalid_token"``."""

from __future__ import annotations

import httpx
import pytest

from shared.errors import PROBLEM_JSON
from shared.tokens import NOT_A_JWT
from tests.security.test_authz_matrix import SERVICES
from tests.stack import Stack

JUNK = ["not-a-token", "a.b", "a!.b!.c!", "bm90IGpzb24.e30.c2ln"]  # the last: "not json"


def _bearer_get(spec: dict[str, object]) -> str:
    """The first GET without path parameters that takes a bearer token."""
    schemes = spec["components"]["securitySchemes"]  # type: ignore[index]
    bearer = {name for name, scheme in schemes.items() if scheme.get("scheme") == "bearer"}
    for path, operations in spec["paths"].items():  # type: ignore[attr-defined]
        get = operations.get("get", {})
        if "{" not in path and any(bearer & entry.keys() for entry in get.get("security", [])):
            return str(path)
    raise AssertionError("no GET takes a bearer token")


@pytest.mark.parametrize("service", SERVICES)
async def test_a_token_that_is_no_jwt_is_a_401_in_words(stack: Stack, service: str) -> None:
    app = stack.app(service)
    path = _bearer_get(app.openapi())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        for token in JUNK:
            answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, (path, answer.text)
            assert answer.headers["content-type"] == PROBLEM_JSON
            assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
            assert answer.json()["detail"] == NOT_A_JWT

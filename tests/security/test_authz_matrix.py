"""The authorization matrix, generated from every service's OpenAPI document.

Each operation is called with every credential that must not pass: none, a malformed token,
one signed with another key (under the ring's kid or an unknown one), ``alg: none``, HS256,
an expired one, another issuer's, an unknown role; a staff role its ``x-roles`` does not
list; a member token where staff roles are required; another member's token on a member's
path; a bearer token where a store key is required; on a store's path (``{store_id}``) that admits
managers, a manager of store A calling store B's (403) and store A's own (let through).
Path parameters, query parameters and
bodies come from the document (its examples), so the call reaches the check. A new
endpoint is in the matrix the day it is added; one without any credential must be on the
public list below, or the test fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.keys import ALGORITHM, IDENTITY_ISSUER, development_ring
from shared.openapi import ROLES_EXTENSION
from shared.tokens import ROLES
from tests.security.tokens import manager_of
from tests.stack import Stack, member_headers, running, staff_headers

SERVICES = ("customer", "orders", "loyalty", "messaging", "analytics")
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
    ("POST", "/webhooks/sms/inbound"),
    ("POST", "/webhooks/sms/inbound/{provider}"),
    ("POST", "/webhooks/sms/receipts/{provider}"),
    ("POST", "/webhooks/sms/receipts/{provider}/batch"),
    ("POST", "/webhooks/email/bounces/{provider}"),
    ("POST", "/auth/sms-codes"),
    ("POST", "/auth/sessions"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/sign-out"),
    ("POST", "/staff/sessions"),
    ("POST", "/staff/sessions/refresh"),
    ("POST", "/staff/sessions/sign-out"),
    ("GET", "/.well-known/jwks.json"),
}
"""Operations anyone may call: probes, the issuers' public keys, callbacks that carry a
signature of their own, and sign-ins (a member's code or refresh token, a staff password or
refresh token: the credential is in the body)."""


def _token(
    key: Any = None, algorithm: str = ALGORITHM, kid: str | None = None, **claims: Any
) -> dict[str, str]:
    """A staff token as the development ring would sign it, with ``claims`` changed and
    signed by ``key`` (the ring's current key by default)."""
    current = development_ring(IDENTITY_ISSUER).current
    now = datetime.now(UTC)
    body = {"iss": IDENTITY_ISSUER, "sub": "test-admin", "role": "admin", "iat": now}
    body |= {"exp": now + timedelta(minutes=5)} | claims
    headers = {"kid": kid or current.kid}
    signing = current.private if key is None else key
    return {
        "Authorization": f"Bearer {jwt.encode(body, signing, algorithm=algorithm, headers=headers)}"
    }


def _refused_tokens() -> dict[str, dict[str, str]]:
    past = datetime.now(UTC) - timedelta(hours=1)
    return {
        "no token": {},
        "not a token": {"Authorization": "Bearer not-a-token"},
        "another key": _token(Ed25519PrivateKey.generate()),
        "another key under an unknown kid": _token(Ed25519PrivateKey.generate(), kid="nobody"),
        "alg none": _token("", algorithm="none"),
        "HS256": _token("an-attacker-guessed-this-secret-0123456789", algorithm="HS256"),
        "expired": _token(exp=past, iat=past - timedelta(hours=1)),
        "another issuer": _token(iss="not-huiyuan"),
        "unknown role": _token(role="root"),
    }


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any]

    @property
    def schemes(self) -> set[str]:
        requirements = self.spec.get("security", [])
        return {name for requirement in requirements for name in requirement}

    @property
    def roles(self) -> set[str] | None:
        listed = self.spec.get(ROLES_EXTENSION)
        return None if listed is None else set(listed)

    def parameters(self) -> list[dict[str, Any]]:
        return [self._resolve(p) for p in self.spec.get("parameters", [])]

    def url(
        self, member_id: uuid.UUID | None = None, store_id: uuid.UUID | None = None
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        """The path with its parameters filled in (``member_id`` where it names a member,
        ``store_id`` where it names a store), and the required query and header
        parameters."""
        path: str = self.path
        query: dict[str, str] = {}
        headers: dict[str, str] = {}
        for parameter in self.parameters():
            value = self._value(parameter)
            if parameter["in"] == "path":
                if member_id is not None and self._names_member(parameter["name"]):
                    value = str(member_id)
                if store_id is not None and parameter["name"] == "store_id":
                    value = str(store_id)
                path = path.replace("{" + parameter["name"] + "}", value)
            elif parameter["in"] == "query" and parameter.get("required"):
                query[parameter["name"]] = value
            elif parameter["in"] == "header" and parameter.get("required"):
                headers[parameter["name"]] = value
        return path, query, headers

    def names_member(self) -> bool:
        return any(p["in"] == "path" and self._names_member(p["name"]) for p in self.parameters())

    def names_store(self) -> bool:
        return any(p["in"] == "path" and p["name"] == "store_id" for p in self.parameters())

    def _names_member(self, name: str) -> bool:
        return name == "member_id" or (name == "id" and self.path.startswith("/members/{"))

    def body(self) -> dict[str, Any]:
        """``json=`` or ``content=`` for the request: the document's example body."""
        content = self.spec.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            return {"json": self._example(content["application/json"])}
        if content:
            media = next(iter(content))
            return {"content": b"", "headers": {"Content-Type": media}}
        return {}

    def _example(self, media: dict[str, Any]) -> Any:
        if "example" in media:
            return media["example"]
        if media.get("examples"):
            return next(iter(media["examples"].values())).get("value", {})
        schema = self._resolve(media.get("schema", {}))
        return (schema.get("examples") or [{}])[0]

    def _value(self, parameter: dict[str, Any]) -> str:
        schema = self._resolve(parameter.get("schema", {}))
        for choice in schema.get("anyOf", []):
            schema = schema | self._resolve(choice)
        if "example" in parameter:
            return str(parameter["example"])
        if schema.get("enum"):
            return str(schema["enum"][0])
        if schema.get("examples"):
            return str(schema["examples"][0])
        if schema.get("format") == "uuid" or parameter["name"] == "Idempotency-Key":
            return str(uuid.uuid4())
        if schema.get("type") == "integer":
            return "1"
        return "x"

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            found: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                found = found[part]
            node = found
        return node


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            yield Operation(method.upper(), path, spec, document)


async def _call(
    client: httpx.AsyncClient, operation: Operation, headers: dict[str, str], **kwargs: Any
) -> int:
    path, query, required = operation.url(
        kwargs.pop("member_id", None), kwargs.pop("store_id", None)
    )
    body = operation.body()
    answer = await client.request(
        operation.method,
        path,
        params=query,
        headers=required | headers | body.pop("headers", {}),
        **body,
    )
    return answer.status_code


async def _store_cells(client: httpx.AsyncClient, operation: Operation) -> list[str]:
    """A manager of store A on store B's path (403), and on store A's own (let through: the
    answer is the route's own, e.g. 404 for a store that does not exist, never 401/403)."""
    where = f"{operation.method} {operation.path}"
    store_a, store_b = uuid.uuid4(), uuid.uuid4()
    manager_a = manager_of(store_a)
    leaks = []
    if (status := await _call(client, operation, manager_a, store_id=store_b)) != 403:
        leaks.append(f"{where} as a manager of store A on store B: {status}, expected 403")
    if (status := await _call(client, operation, manager_a, store_id=store_a)) in (401, 403):
        leaks.append(f"{where} as a manager of store A on store A: {status}, expected through")
    return leaks


@pytest.mark.parametrize("service", SERVICES)
async def test_no_operation_lets_a_caller_through_that_it_should_not(
    stack: Stack, service: str
) -> None:
    # every cell sends wrong tokens from one address: past the limit they would answer 429
    app = stack.app(service, bearer_failures_per_address="100000/minute")
    leaks: list[str] = []
    cells = 0
    async with running(app) as client:
        for operation in operations(app.openapi()):
            where = f"{operation.method} {operation.path}"
            schemes = operation.schemes
            if not schemes:
                if (operation.method, operation.path) not in PUBLIC:
                    leaks.append(f"{where}: needs no credentials and is not on the public list")
                continue
            refused = _refused_tokens()
            if "HTTPBearer" not in schemes:  # a store key only: a bearer token is no key
                refused["an admin token"] = staff_headers("admin")
            for name, headers in refused.items():
                cells += 1
                if (status := await _call(client, operation, headers)) != 401:
                    leaks.append(f"{where} with {name}: {status}, expected 401")
            if "HTTPBearer" not in schemes:
                continue
            if (roles := operation.roles) is not None:
                for role in sorted(set(ROLES) - roles):
                    cells += 1
                    if (status := await _call(client, operation, staff_headers(role))) != 403:
                        leaks.append(f"{where} as {role}: {status}, expected 403")
                cells += 1
                member = member_headers(uuid.uuid4())
                if (status := await _call(client, operation, member)) != 403:
                    leaks.append(f"{where} with a member token: {status}, expected 403")
                if "manager" in roles and operation.names_store():
                    cells += 2
                    leaks += await _store_cells(client, operation)
            elif operation.names_member():
                cells += 1
                another = member_headers(uuid.uuid4())
                status = await _call(client, operation, another, member_id=uuid.uuid4())
                if status not in (403, 404):
                    leaks.append(f"{where} with another member's token: {status}")
    assert not leaks, "\n".join(leaks)
    assert cells > 50, f"only {cells} cells: did the document lose its security schemes?"

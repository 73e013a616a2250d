"""The audit trail kernel in every service: a staff change is recorded in its own
transaction (exactly one row when it succeeds, none when it fails), members' and stores'
requests are not, the rows carry no request body and no personal data, ``GET /audit`` is
for admins and filters, and the table is append-only for the service's own role."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from huiyuan.provision import role_name
from shared.auth import current_principal
from shared.db import asyncpg_dsn, create_engine, create_sessions, transaction
from shared.dependencies import request_session
from shared.jwks import development_signer
from shared.tokens import Role, issue_token
from tests.stack import Stack, member_headers, running, staff_headers

SERVICES = ("customer", "orders", "loyalty", "messaging", "analytics")
UNKNOWN = "7d1c0a52-9f3e-4c1b-8a55-2b7e0f3c9d41"

# by service: a staff change that succeeds (method, path, role), and one its handler refuses
CHANGES: dict[str, tuple[tuple[str, str, Role], tuple[str, str, Role]]] = {
    "customer": (
        ("PUT", "/program/joining-policy", "admin"),
        ("POST", "/members/{member_id}/card/reissue", "service"),
    ),
    "orders": (
        ("PUT", "/catalog/policy", "admin"),
        ("POST", "/catalog/products/{product_id}/void", "admin"),
    ),
    "loyalty": (
        ("PUT", "/program/earning-rule", "marketing"),
        ("POST", "/campaigns/{campaign_id}/end", "marketing"),
    ),
    "messaging": (
        ("PUT", "/messaging-policy", "admin"),
        ("DELETE", "/webhook-subscriptions/{subscription_id}", "admin"),
    ),
    "analytics": (
        ("POST", "/cohorts/kpis", "analyst"),
        ("POST", "/cohorts/kpis", "analyst"),
    ),
}
NOT_VIA_REQUEST_SESSION = {
    ("customer", "POST", "/imports"),  # its own transaction, which records it (imports/api.py)
    ("customer", "POST", "/staff/me/password"),  # likewise (staff/api.py)
    ("loyalty", "POST", "/coupons/validate"),  # a till's check: changes nothing
}


@asynccontextmanager
async def _isolated(stack: Stack, service: str) -> AsyncIterator[FastAPI]:
    """The service's app on a database of its own: the changes below set brand-wide
    policies (joining, catalog, earning, messaging) that later tests must not inherit."""
    async with stack.scratch_database(service, "head") as url:
        yield stack.app(service, database_url=url)


def _example(app: FastAPI, method: str, template: str) -> Any:
    """The operation's example JSON body, from the OpenAPI document."""
    document = app.openapi()
    operation = document["paths"][template][method.lower()]
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None:
        return None
    if "example" in media:
        return media["example"]
    if media.get("examples"):
        return next(iter(media["examples"].values())).get("value")
    schema = media["schema"]
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema["examples"][0]


def _path(template: str) -> str:
    return re.sub(r"\{[a-z_]+\}", UNKNOWN, template)


async def _audit(client: httpx.AsyncClient, **query: str) -> list[dict[str, Any]]:
    answer = await client.get("/audit", params=query, headers=staff_headers("admin"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def _rows_of(client: httpx.AsyncClient, request_id: str) -> list[dict[str, Any]]:
    return [row for row in await _audit(client, limit="200") if row["request_id"] == request_id]


@pytest.mark.parametrize("service", SERVICES)
async def test_a_staff_change_is_recorded_once_and_a_failed_one_not_at_all(
    stack: Stack, service: str
) -> None:
    (method, path, role), (bad_method, bad_template, bad_role) = CHANGES[service]
    async with _isolated(stack, service) as app, running(app) as client:
        body = _example(app, method, path)
        body.pop("tier_multipliers_percent", None)  # the example's tiers are not in the ladder
        request_id = uuid.uuid4().hex
        headers = staff_headers(role) | {"X-Request-ID": request_id, "If-Match": "*"}
        answer = await client.request(method, path, json=body, headers=headers)
        assert answer.status_code < 300, answer.text
        (row,) = await _rows_of(client, request_id)
        assert row["kind"] == "change"
        assert (row["actor"], row["actor_role"]) == (f"test-{role}", role)
        assert (row["method"], row["route"], row["status"]) == (method, path, answer.status_code)
        assert row["operation"]  # the OpenAPI operation id
        assert row["fields"]
        assert row["fields"] == sorted(body)[: len(row["fields"])]
        assert row["client"] == "127.0.0.1"

        refused_id = uuid.uuid4().hex
        bad_body = _example(app, bad_method, bad_template)
        bad_path = _path(bad_template)
        if service == "analytics":  # a period the handler refuses, after validation
            bad_body = bad_body | {"first_day": "2026-10-31", "last_day": "2026-10-01"}
        headers = staff_headers(bad_role) | {"X-Request-ID": refused_id}
        refused = await client.request(bad_method, bad_path, json=bad_body, headers=headers)
        assert 400 <= refused.status_code < 500, refused.text
        assert await _rows_of(client, refused_id) == []


async def test_no_body_value_reaches_the_row_only_field_names(stack: Stack) -> None:
    async with _isolated(stack, "loyalty") as app, running(app) as client:
        body = _example(app, "PUT", "/program/earning-rule")
        del body["tier_multipliers_percent"]  # the example's tiers are not in the ladder
        request_id = uuid.uuid4().hex
        headers = staff_headers("admin") | {"X-Request-ID": request_id}
        assert (await client.put("/program/earning-rule", json=body, headers=headers)).is_success
        (row,) = await _rows_of(client, request_id)
    assert row["fields"] == sorted(body)
    for value in body.values():
        if isinstance(value, str):
            assert value not in str(row)


async def test_a_members_change_is_not_a_staff_change(stack: Stack) -> None:
    app = stack.app("customer")
    async with running(app) as client:
        request_id = uuid.uuid4().hex
        member = uuid.uuid4()
        headers = member_headers(member) | {"X-Request-ID": request_id}
        answer = await client.put(
            f"/members/{member}/consent", json={"sms": False}, headers=headers
        )
        assert answer.status_code in (404, 422), answer.text
        assert await _rows_of(client, request_id) == []


@pytest.mark.parametrize("service", SERVICES)
async def test_the_audit_is_for_admins_only(
    stack: Stack, service: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = stack.app(service)
    caplog.set_level(logging.WARNING, logger="huiyuan.audit.refused")
    async with running(app) as client:
        others: tuple[Role, ...] = ("marketing", "service", "analyst", "manager")
        for role in others:
            answer = await client.get("/audit", headers=staff_headers(role))
            assert answer.status_code == 403
        assert (await client.get("/audit", headers=member_headers(uuid.uuid4()))).status_code == 403
        assert (await client.get("/audit")).status_code == 401
    refusals = [r for r in caplog.records if r.name == "huiyuan.audit.refused"]
    assert [getattr(r, "audit_status", None) for r in refusals] == [403] * 5 + [401]
    assert getattr(refusals[0], "audit_actor", None) == "test-marketing"
    assert all(r.getMessage().startswith("refused GET /audit") for r in refusals)
    assert app.openapi()["paths"]["/audit"]["get"]["x-roles"] == ["admin"]


async def test_the_audit_filters_pages_and_answers_csv(stack: Stack) -> None:
    actor = f"auditor-{uuid.uuid4().hex[:8]}"
    async with _isolated(stack, "messaging") as app, running(app) as client:
        body = _example(app, "PUT", "/messaging-policy")
        headers = staff_headers("admin")
        token = issue_token(development_signer(), subject=actor, role="admin")
        mine = {"Authorization": f"Bearer {token}", "If-Match": "*"}
        for _ in range(3):
            assert (await client.put("/messaging-policy", json=body, headers=mine)).is_success
        first = await _audit(client, actor=actor, limit="2")
        assert [row["actor"] for row in first] == [actor, actor]
        assert first[0]["id"] > first[1]["id"]
        page = await client.get("/audit", params={"actor": actor, "limit": "2"}, headers=headers)
        cursor = page.json()["next_cursor"]
        rest = await _audit(client, actor=actor, limit="2", cursor=cursor)
        assert len(rest) == 1
        assert rest[0]["id"] < first[1]["id"]
        whole = await client.get("/audit", params={"actor": actor, "limit": "3"}, headers=headers)
        assert [len(whole.json()["items"]), whole.json()["next_cursor"]] == [3, None]
        assert await _audit(client, actor=actor, kind="read") == []
        at = first[0]["at"]
        assert await _audit(client, actor=actor, **{"from": at}) == first[:1]
        assert len(await _audit(client, actor=actor, until=at)) == 2
        operation = first[0]["operation"]
        assert len(await _audit(client, actor=actor, operation=operation)) == 3
        csv = await client.get("/audit", params={"actor": actor, "format": "csv"}, headers=headers)
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert lines[0].startswith("id,at,kind,actor,actor_role,operation")
        assert len(lines) == 4
        assert all(actor in line for line in lines[1:])
        bad = await client.get("/audit", params={"from": "yesterday"}, headers=headers)
        assert bad.status_code == 422
        assert "from" in bad.text


@pytest.mark.parametrize("service", SERVICES)
async def test_the_service_role_cannot_edit_or_erase_history(stack: Stack, service: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls[service]))
    try:
        user = await connection.fetchval("SELECT current_user")
        assert user == role_name(service)
        await connection.execute(
            f"INSERT INTO {service}.audit_log (kind, actor, operation, method, route, targets) "
            "VALUES ('change', 'x', 'op', 'POST', '/x', '{}')"
        )
        refused = (
            f"UPDATE {service}.audit_log SET actor = 'someone else'",
            f"DELETE FROM {service}.audit_log",
            f"TRUNCATE {service}.audit_log",
        )
        for statement in refused:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
        # the purge's setting lets go of old rows only, never of a recent one
        async with connection.transaction():
            await connection.execute("SELECT set_config('huiyuan.audit_purge', 'on', true)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(f"DELETE FROM {service}.audit_log")
    finally:
        await connection.close()


async def test_the_purge_removes_only_rows_past_retention(stack: Stack) -> None:
    spec = stack.spec("orders")
    assert spec.audit is not None
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls["orders"]))
    try:
        old, recent = [
            await connection.fetchval(
                "INSERT INTO orders.audit_log (at, kind, actor, operation, method, route, "
                "targets) VALUES (now() - make_interval(days => $1), 'change', 'x', 'op', "
                "'POST', '/x', '{}') RETURNING id",
                days,
            )
            for days in (500, 10)
        ]
    finally:
        await connection.close()
    engine = create_engine(spec.settings)
    try:
        async with transaction(create_sessions(engine)) as session:
            deleted = await spec.audit.purge(
                session, datetime.now(UTC) - timedelta(days=400), batch=1000
            )
            assert deleted >= 1
        connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls["orders"]))
        ids = {r["id"] for r in await connection.fetch("SELECT id FROM orders.audit_log")}
        await connection.close()
    finally:
        await engine.dispose()
    assert old not in ids
    assert recent in ids


@pytest.mark.parametrize("service", SERVICES)
def test_every_staff_change_goes_through_the_request_session(stack: Stack, service: str) -> None:
    """The request session records staff changes; a route taking a bearer token that
    changes data in a transaction of its own must record itself and be named here."""
    app = stack.app(service)

    def calls(dependant: Any) -> set[Any]:
        found = {dependant.call}
        for dependency in dependant.dependencies:
            found |= calls(dependency)
        return found

    missing = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        for method in context.methods or ():
            where = (service, method, str(context.path_format))
            if method == "GET" or where in NOT_VIA_REQUEST_SESSION:
                continue
            used = calls(context.dependant)
            if current_principal in used and request_session not in used:
                missing.append(where)
    assert not missing

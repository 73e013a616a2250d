"""Every input of a sale, one kind of fault at a time: a 422 naming the field, nothing
written, and the same answer for the sale inside a batch (located under its index)."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.db import Sessions
from shared.inputs import MAX_LINES, MAX_QUANTITY, MAX_SALE_TOTAL_FEN
from tests.orders.conftest import (
    KnownMember,
    StoreKey,
    footprint,
    is_problem,
    new_key,
)

LINE = {"sku": "HC-001", "category": "health", "quantity": 2, "unit_price_fen": 19900}
CODES = {"card_number": 32, "receipt_no": 64, "lines.0.sku": 64}
SINGLE_LINES = {"lines.0.category": 64}


def _text_cases() -> list[tuple[str, Any, str]]:
    cases: list[tuple[str, Any, str]] = []
    for field, longest in (CODES | SINGLE_LINES).items():
        single_line = field in SINGLE_LINES
        cases += [
            (field, "A\x00B", "U+0000" if single_line else "may contain only"),
            (field, "A\x1bB", "U+001B" if single_line else "may contain only"),
            (field, "A\nB", "single line" if single_line else "may contain only"),
            (field, "A\u202eB", "U+202E" if single_line else "may contain only"),
            (field, " \u3000 ", "must not be blank"),
            (field, "A" * (longest + 1), f"at most {longest} characters"),
            (field, 42, "string"),
        ]
    return cases


BAD_FIELDS: list[tuple[str, Any, str]] = [
    *_text_cases(),
    *[
        ("lines.0.quantity", value, message)
        for value, message in [
            (0, "greater than or equal to 1"),
            (-1, "greater than or equal to 1"),
            (MAX_QUANTITY + 1, f"less than or equal to {MAX_QUANTITY}"),
            (2**31, "less than or equal to"),
            (2**64, "less than or equal to"),
            (1.5, "integer"),
            ("2", "integer"),
            (True, "integer"),
        ]
    ],
    *[
        ("lines.0.unit_price_fen", value, message)
        for value, message in [
            (-1, "greater than or equal to 0"),
            (MAX_SALE_TOTAL_FEN + 1, f"less than or equal to {MAX_SALE_TOTAL_FEN}"),
            (2**63, "less than or equal to"),
            (2**64, "less than or equal to"),
            (99.5, "integer"),
            ("100", "integer"),
        ]
    ],
    ("lines", [LINE | {"quantity": MAX_QUANTITY, "unit_price_fen": 10**10}], "adds up to"),
    ("lines", [LINE | {"quantity": 1, "unit_price_fen": 10**8}] * MAX_LINES * 2, "at most"),
    ("lines", [LINE | {"quantity": 1, "unit_price_fen": 10**8}] * 101, "adds up to"),
    ("lines", [], "at least 1"),
    ("lines", "HC-001", "list"),
    ("purchased_at", "FUTURE", "later than now"),
    ("purchased_at", "0001-01-01T00:00:00+14:00", "earliest trading day"),
    ("purchased_at", "9999-12-31T23:59:59-14:00", "later than now"),
    ("purchased_at", "1999-12-31T23:59:59+08:00", "earliest trading day"),
    ("purchased_at", "2026-01-01T10:00:00", "UTC offset"),
    ("purchased_at", 1_700_000_000, "must be written like"),
    ("purchased_at", "yesterday", "must be written like"),
    ("member_id", "not-a-uuid", "UUID"),
    ("phone", "+1 312 555 01", "phone"),
    ("phone", "138 1234 5678\x00", "may contain only"),
]


def _timeless(message: str) -> str:
    """A refusal's message without the server's clock, which it may quote."""
    return re.sub(r"\(now is [^)]*\)", "(now is …)", message)


def _sale(member: KnownMember, field: str, value: Any) -> dict[str, Any]:
    """A valid sale by ``member`` with ``value`` at ``field`` (a dotted path)."""
    sale: dict[str, Any] = {
        "member_id": str(member.member_id),
        "lines": [dict(LINE)],
        "receipt_no": f"R-{uuid.uuid4().hex[:12]}",
    }
    if field in ("card_number", "phone"):
        del sale["member_id"]
    if value == "FUTURE":
        value = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    *parents, name = field.split(".")
    target: Any = sale
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[name] = value
    return sale


@pytest.mark.parametrize(
    ("field", "value", "message"),
    BAD_FIELDS,
    ids=[f"{field}={value!r:.24}" for field, value, _ in BAD_FIELDS],
)
async def test_a_bad_field_is_a_422_naming_it_alone_or_in_a_batch(
    client: httpx.AsyncClient,
    orders_sessions: Sessions,
    store: StoreKey,
    member: KnownMember,
    field: str,
    value: Any,
    message: str,
) -> None:
    before = await footprint(orders_sessions, store, member)
    bad = _sale(member, field, value)

    single = await client.post("/purchases", json=bad, headers=store.headers | new_key())

    refused = is_problem(single, 422)
    assert [error["location"] for error in refused["errors"]] == [f"body.{field}"]
    assert message in refused["errors"][0]["message"]
    assert await footprint(orders_sessions, store, member) == before

    good = _sale(member, "receipt_no", "R-good") | {"idempotency_key": uuid.uuid4().hex}
    batch = await client.post(
        "/purchases:batch",
        json={"sales": [good, bad | {"idempotency_key": uuid.uuid4().hex}]},
        headers=store.headers,
    )

    assert batch.status_code == 200, batch.text
    recorded, refused_in_batch = batch.json()["results"]
    assert recorded["status"] == 201
    assert refused_in_batch["status"] == 422
    assert [e["location"] for e in refused_in_batch["error"]["errors"]] == [f"body.sales.1.{field}"]
    assert _timeless(refused_in_batch["error"]["errors"][0]["message"]) == _timeless(
        refused["errors"][0]["message"]
    )
    assert await footprint(orders_sessions, store, member) == tuple(
        count + 1 if kind != 1 else count for kind, count in enumerate(before)
    )


async def test_the_largest_sale_and_the_earliest_trading_day_are_accepted(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    lines = [LINE | {"quantity": 1, "unit_price_fen": MAX_SALE_TOTAL_FEN // MAX_LINES}] * MAX_LINES
    response = await client.post(
        "/purchases",
        json={
            "member_id": str(member.member_id),
            "lines": lines,
            "purchased_at": "2000-01-01T00:00:00+08:00",
        },
        headers=store.headers | new_key(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["total_fen"] == MAX_SALE_TOTAL_FEN
    assert len(response.json()["lines"]) == MAX_LINES
    assert response.json()["purchased_at"] == "1999-12-31T16:00:00Z"


async def test_sale_time_defaults_to_now_and_allows_small_clock_skew(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    async def sold_at(purchased_at: datetime | None) -> datetime:
        body: dict[str, Any] = {"member_id": str(member.member_id), "lines": [LINE]}
        if purchased_at is not None:
            body["purchased_at"] = purchased_at.isoformat()
        response = await client.post("/purchases", json=body, headers=store.headers | new_key())
        assert response.status_code == 201, response.text
        return datetime.fromisoformat(response.json()["purchased_at"])

    sent = datetime.now(UTC)
    assert sent <= await sold_at(None) <= datetime.now(UTC)
    slightly_ahead = datetime.now(UTC) + timedelta(minutes=4)
    assert await sold_at(slightly_ahead) == slightly_ahead
    last_week = datetime.now(UTC) - timedelta(days=7)
    assert await sold_at(last_week) == last_week


async def test_text_is_kept_trimmed(
    client: httpx.AsyncClient, store: StoreKey, member: KnownMember
) -> None:
    response = await client.post(
        "/purchases",
        json={
            "member_id": str(member.member_id),
            "lines": [LINE | {"sku": " HC-001\t", "category": "\u3000个护 health "}],
            "receipt_no": " R-7 ",
        },
        headers=store.headers | new_key(),
    )
    assert response.status_code == 201, response.text
    read = (await client.get(f"/purchases/{response.json()['id']}", headers=store.headers)).json()
    assert (read["lines"][0]["sku"], read["lines"][0]["category"]) == ("HC-001", "个护 health")
    assert read["receipt_no"] == "R-7"


def _not_canonical_cursor() -> str:
    """A cursor this API never writes: the right shape, but a time not in UTC."""
    text = f"2026-11-23T14:30:00+08:00|{uuid.uuid4()}"
    return base64.urlsafe_b64encode(text.encode()).decode()


BAD_QUERIES: list[tuple[dict[str, Any], str]] = [
    ({"cursor": "junk"}, "query.cursor"),
    ({"cursor": "³"}, "query.cursor"),
    ({"cursor": "A" * 129}, "query.cursor"),
    ({"cursor": _not_canonical_cursor()}, "query.cursor"),
    ({"cursor": "AA\x00"}, "query.cursor"),
    ({"limit": "0"}, "query.limit"),
    ({"limit": "201"}, "query.limit"),
    ({"limit": "abc"}, "query.limit"),
    ({"limit": str(2**64)}, "query.limit"),
]


@pytest.mark.parametrize(("params", "location"), BAD_QUERIES)
async def test_a_bad_cursor_or_limit_is_a_422_naming_it(
    client: httpx.AsyncClient, store: StoreKey, params: dict[str, Any], location: str
) -> None:
    response = await client.get("/purchases", params=params, headers=store.headers)
    assert [e["location"] for e in is_problem(response, 422)["errors"]] == [location]


@pytest.mark.parametrize("purchase_id", ["not-a-uuid", "123", "9d8c7b6a-5f4e-4d3c-8b2a"])
async def test_a_bad_purchase_id_is_a_422_naming_it(
    client: httpx.AsyncClient, store: StoreKey, purchase_id: str
) -> None:
    for response in (
        await client.get(f"/purchases/{purchase_id}", headers=store.headers),
        await client.post(
            f"/purchases/{purchase_id}/returns",
            json={"all": True},
            headers=store.headers | new_key(),
        ),
    ):
        errors = is_problem(response, 422)["errors"]
        assert [e["location"] for e in errors] == ["path.purchase_id"]

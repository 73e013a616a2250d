"""Searching members by custom field values: ``GET /members?field.<key>=…``."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.customer.fields.conftest import MARKETING, SERVICE, choice, define, problem, register


async def _found(customer: httpx.AsyncClient, **params: Any) -> list[uuid.UUID]:
    """Every member the search finds, page after page (two at a time)."""
    found: list[uuid.UUID] = []
    params = {"limit": 2} | params
    while True:
        answer = await customer.get("/members", params=params, headers=SERVICE)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        found += [uuid.UUID(item["id"]) for item in page["items"]]
        if page["next_cursor"] is None:
            return found
        params["cursor"] = page["next_cursor"]


async def test_equal_values_and_ranges_in_joining_order(customer: httpx.AsyncClient) -> None:
    skin = await define(customer, "skin", type="choice", choices=[choice("dry"), choice("oily")])
    height = await define(customer, "height", type="number")
    wedding = await define(customer, "wedding", type="date")
    nickname = await define(customer, "nickname")
    rows = [
        ("李雷", {skin: "dry", height: 1700, wedding: "2020-05-01", nickname: "Lei"}),
        ("王芳", {skin: "oily", height: 1600, wedding: "2021-05-01"}),
        ("李娜", {skin: "dry", height: 1650, nickname: "ＬＥＩ "}),
        ("刘洋", {skin: "dry", height: 1800}),
        ("李四", {height: 1700}),
    ]
    ids = [await register(customer, name, custom_fields=values) for name, values in rows]
    lei, fang, na, yang, si = ids
    assert await _found(customer, **{f"field.{skin}": "dry"}) == [lei, na, yang]
    assert await _found(customer, **{f"field.{height}": "1700"}) == [lei, si]
    assert await _found(customer, **{f"field.{height}": "1650..1750"}) == [lei, na, si]
    assert await _found(customer, **{f"field.{height}": "..1650"}) == [fang, na]
    assert await _found(customer, **{f"field.{wedding}": "2021-01-01.."}) == [fang]
    assert await _found(customer, **{f"field.{nickname}": "lei"}) == [lei, na]
    both = {f"field.{skin}": "dry", f"field.{height}": "1700..1800"}
    assert await _found(customer, **both) == [lei, yang]
    assert await _found(customer, q="李", **{f"field.{skin}": "dry"}) == [lei, na]
    assert await _found(customer, initial="L", **{f"field.{height}": "1700"}) == [lei, si]
    assert await _found(customer, q="l", **{f"field.{skin}": "oily"}) == []


async def test_a_phone_in_q_is_kept_only_if_the_field_matches(customer: httpx.AsyncClient) -> None:
    skin = await define(customer, "skin", type="choice", choices=[choice("dry"), choice("oily")])
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    member_id = await register(customer, phone=phone, custom_fields={skin: "dry"})
    assert await _found(customer, q=phone, **{f"field.{skin}": "dry"}) == [member_id]
    assert await _found(customer, q=phone, **{f"field.{skin}": "oily"}) == []
    clash = await customer.get(
        "/members", params={"phone": phone, f"field.{skin}": "dry"}, headers=SERVICE
    )
    problem(clash, 422, f"query.field.{skin}")


async def test_bad_filters_are_422_naming_the_parameter(customer: httpx.AsyncClient) -> None:
    private = await define(customer, "note", searchable=False)
    height = await define(customer, "height", type="number")
    retired = await define(customer, "old")
    await customer.post(f"/custom-fields/{retired}/retire", headers=MARKETING)
    cases = {
        "field.no_such_field": "1",
        f"field.{private}": "x",
        f"field.{height}": "tall",
        f"field.{retired}": "x",
    }
    for name, value in cases.items():
        refused = await customer.get("/members", params={name: value}, headers=SERVICE)
        problem(refused, 422, f"query.{name}")
    twice = await customer.get(
        "/members", params=[(f"field.{height}", "1"), (f"field.{height}", "2")], headers=SERVICE
    )
    problem(twice, 422, f"query.field.{height}")

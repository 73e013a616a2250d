"""Members' custom field values over HTTP: registration, edits, the profile, the events,
and what is stored."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlmodel import col

from services.customer.fields.models import MemberFieldValue
from shared.db import Sessions
from tests.customer.conftest import new_phone, row_counts
from tests.customer.fields.conftest import (
    MARKETING,
    SERVICE,
    choice,
    define,
    problem,
    register,
    updates,
)
from tests.stack import member_headers


async def test_values_are_checked_stored_and_shown(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    nickname = await define(customer, "nickname", max_length=10)
    height = await define(customer, "height", type="number", minimum=500, maximum=2500)
    wedding = await define(customer, "wedding", type="date")
    skin = await define(customer, "skin", type="choice", choices=[choice("dry"), choice("oily")])
    values = {nickname: " 小李子 ", height: 1725, wedding: "2020-02-29", skin: "dry"}
    member_id = await register(customer, custom_fields=values)
    profile = (await customer.get(f"/members/{member_id}", headers=SERVICE)).json()
    assert {key: profile["custom_fields"][key] for key in values} == values | {nickname: "小李子"}
    async with customer_sessions() as session:
        rows = await session.scalars(
            select(MemberFieldValue).where(col(MemberFieldValue.member_id) == member_id)
        )
        text = next(row for row in rows if row.field_key == nickname)
    assert text.text_encrypted is not None
    assert "小李子" not in text.text_encrypted
    assert text.term is not None
    assert "小李子" not in text.term
    restricted = await customer.patch(
        f"/members/{member_id}", json={"restricted": True}, headers=SERVICE | {"If-Match": '"1"'}
    )
    assert restricted.json()["custom_fields"][nickname] == "小李子"  # service staff see it
    masked = (await customer.get(f"/members/{member_id}", headers=MARKETING)).json()
    assert (masked["contact_masked"], masked["custom_fields"][nickname]) == (True, "小****")
    assert masked["custom_fields"][height] == 1725
    listed = await customer.get("/members", params={"limit": 200}, headers=SERVICE)
    assert "custom_fields" not in listed.json()["items"][0]


async def test_a_bad_value_is_422_naming_it_and_writes_nothing(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    height = await define(customer, "height", type="number", minimum=500, maximum=2500)
    skin = await define(customer, "skin", type="choice", choices=[choice("dry")])
    before = await row_counts(customer_sessions)
    cases = {
        "body.custom_fields.no_such_field": {"no_such_field": 1},
        f"body.custom_fields.{height}": {height: 3000},
        f"body.custom_fields.{skin}": {skin: "oily"},
    }
    for location, values in cases.items():
        body = {"name": "李雷", "phone": new_phone(), "custom_fields": values}
        refused = await customer.post("/members", json=body, headers=SERVICE)
        problem(refused, 422, location)
    wrong_type = {"name": "李雷", "phone": new_phone(), "custom_fields": {height: True}}
    refused = await customer.post("/members", json=wrong_type, headers=SERVICE)
    problem(refused, 422, f"body.custom_fields.{height}")
    assert await row_counts(customer_sessions) == before


async def test_a_required_field_applies_to_writes_from_then_on(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    earlier = await register(customer)
    key = await define(customer, "level", type="number")
    try:
        await customer.patch(f"/custom-fields/{key}", json={"required": True}, headers=MARKETING)
        missing = await customer.post(
            "/members", json={"name": "韩梅梅", "phone": new_phone()}, headers=SERVICE
        )
        assert "is required" in problem(missing, 422, f"body.custom_fields.{key}")["detail"]
        # the member from before keeps their profile, and edits of other fields go through
        edited = await customer.patch(
            f"/members/{earlier}",
            json={"occupation": "教师"},
            headers=SERVICE | {"If-Match": '"1"'},
        )
        assert edited.status_code == 200, edited.text
        later = await register(customer, custom_fields={key: 3})
        cleared = await customer.patch(
            f"/members/{later}",
            json={"custom_fields": {key: None}},
            headers=SERVICE | {"If-Match": '"1"'},
        )
        problem(cleared, 422, f"body.custom_fields.{key}")
    finally:
        await customer.post(f"/custom-fields/{key}/retire", headers=MARKETING)


async def test_an_edit_merges_values_and_names_them_without_values(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    nickname = await define(customer, "nickname")
    height = await define(customer, "height", type="number")
    member_id = await register(customer, custom_fields={nickname: "阿雷", height: 1700})
    url = f"/members/{member_id}"
    edited = await customer.patch(
        url,
        json={"custom_fields": {nickname: "小雷", height: None}, "occupation": "厨师"},
        headers=SERVICE | {"If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"2"'
    shown = edited.json()["custom_fields"]
    assert (shown.get(nickname), height in shown) == ("小雷", False)
    (event,) = await updates(customer_sessions, member_id)
    assert event["changed"] == [
        "occupation",
        f"custom_fields.{height}",
        f"custom_fields.{nickname}",
    ]
    assert "小雷" not in str(event)
    assert "1700" not in str(event)
    same = await customer.patch(
        url, json={"custom_fields": {nickname: "小雷"}}, headers=SERVICE | {"If-Match": '"2"'}
    )
    assert same.headers["etag"] == '"2"'  # nothing changed: no event, same version
    assert len(await updates(customer_sessions, member_id)) == 1


async def test_a_member_cannot_change_custom_fields(customer: httpx.AsyncClient) -> None:
    key = await define(customer, "nickname")
    member_id = await register(customer)
    own = await customer.patch(
        f"/members/{member_id}",
        json={"custom_fields": {key: "自己"}},
        headers=member_headers(member_id) | {"If-Match": '"1"'},
    )
    problem(own, 403, "body.custom_fields")
    unknown = await customer.patch(
        f"/members/{uuid.uuid4()}",
        json={"custom_fields": None},
        headers=SERVICE | {"If-Match": '"1"'},
    )
    problem(unknown, 422, "body.custom_fields")

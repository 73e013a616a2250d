"""Custom field definitions over HTTP: define, list, change, retire."""

from __future__ import annotations

import asyncio

import httpx

from services.customer.fields import service
from services.customer.fields.models import MemberFieldValue
from services.customer.fields.schemas import FieldChange
from shared.db import Sessions
from tests.customer.conftest import new_phone
from tests.customer.fields.conftest import (
    ADMIN,
    LABELS,
    MARKETING,
    SERVICE,
    choice,
    define,
    new_key,
    problem,
    register,
)


async def test_a_definition_is_made_once_and_read_back(customer: httpx.AsyncClient) -> None:
    key = new_key("skin")
    body = {
        "key": key,
        "labels": LABELS,
        "type": "choice",
        "choices": [choice("dry"), choice("oily")],
        "searchable": True,
    }
    headers = MARKETING | {"Idempotency-Key": f"define-{key}"}
    created = await customer.post("/custom-fields", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/custom-fields/{key}"
    field = created.json()
    assert (field["labels"], field["status"], field["required"]) == (LABELS, "active", False)
    replay = await customer.post("/custom-fields", json=body, headers=headers)
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    again = await customer.post("/custom-fields", json=body, headers=MARKETING)
    problem(again, 409, "body.key")
    read = await customer.get(f"/custom-fields/{key}", headers=SERVICE)
    assert read.json() == field
    problem(
        await customer.post("/custom-fields", json=body | {"key": "x"}, headers=SERVICE), 403, None
    )


async def test_rules_that_do_not_fit_are_422_naming_them(customer: httpx.AsyncClient) -> None:
    base = {"key": new_key("bad"), "labels": LABELS}
    cases = {
        "body.choices": base | {"type": "choice"},
        "body.max_length": base | {"type": "number", "max_length": 5},
        "body.minimum": base | {"type": "number", "minimum": 9, "maximum": 1},
        "body.key": base | {"type": "text", "key": "Upper"},
        "body.labels.en": {"key": base["key"], "type": "text", "labels": {"zh-CN": "名"}},
    }
    for location, body in cases.items():
        problem(await customer.post("/custom-fields", json=body, headers=ADMIN), 422, location)
    problem(await customer.get(f"/custom-fields/{base['key']}", headers=ADMIN), 404, "path.key")


async def test_the_list_is_paged_in_definition_order(customer: httpx.AsyncClient) -> None:
    keys = [await define(customer, "page") for _ in range(3)]
    retired = await customer.post(f"/custom-fields/{keys[1]}/retire", headers=MARKETING)
    assert retired.json()["status"] == "retired"
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 2, "status": "active"}
    while True:
        page = (await customer.get("/custom-fields", params=params, headers=SERVICE)).json()
        seen += [field["key"] for field in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert [key for key in seen if key in keys] == [keys[0], keys[2]]


async def test_choices_are_added_but_one_in_use_stays(customer: httpx.AsyncClient) -> None:
    key = await define(customer, "tone", type="choice", choices=[choice("warm"), choice("cool")])
    await register(customer, custom_fields={key: "warm"})
    url = f"/custom-fields/{key}"
    added = await customer.patch(
        url, json={"choices": [choice("warm"), choice("cool"), choice("neutral")]}, headers=ADMIN
    )
    assert [c["code"] for c in added.json()["choices"]] == ["warm", "cool", "neutral"]
    dropped = await customer.patch(url, json={"choices": [choice("warm")]}, headers=ADMIN)
    assert [c["code"] for c in dropped.json()["choices"]] == ["warm"]
    kept = await customer.patch(url, json={"choices": [choice("cool")]}, headers=ADMIN)
    assert "warm" in problem(kept, 409, "body.choices")["detail"]
    retyped = await customer.patch(url, json={"type": "text", "choices": []}, headers=ADMIN)
    problem(retyped, 409, "body.type")
    assert (await customer.get(url, headers=ADMIN)).json()["type"] == "choice"


async def test_the_type_changes_while_nobody_has_a_value(customer: httpx.AsyncClient) -> None:
    key = await define(customer, "size")
    url = f"/custom-fields/{key}"
    changed = await customer.patch(
        url, json={"type": "number", "minimum": 0, "maximum": 60}, headers=MARKETING
    )
    assert changed.status_code == 200, changed.text
    field = changed.json()
    assert (field["type"], field["maximum"]) == ("number", 60)
    same = await customer.patch(url, json={"type": "number"}, headers=MARKETING)
    assert same.json()["updated_at"] == field["updated_at"]  # nothing changed
    problem(
        await customer.patch(url, json={"type": "date"}, headers=MARKETING), 422, "body.minimum"
    )
    problem(
        await customer.patch(url, json={"required": None}, headers=MARKETING), 422, "body.required"
    )


async def test_a_retired_field_is_not_written_shown_or_changed(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    key = await define(customer, "old", required=True)
    member_id = await register(customer, custom_fields={key: "旧值"})
    retired = await customer.post(f"/custom-fields/{key}/retire", headers=MARKETING)
    await register(customer)  # no longer required
    again = await customer.post(f"/custom-fields/{key}/retire", headers=MARKETING)
    assert again.json() == retired.json()
    refused = await customer.post(
        "/members",
        json={"name": "韩梅梅", "phone": "13900000000", "custom_fields": {key: "x"}},
        headers=SERVICE,
    )
    assert "retired" in problem(refused, 422, f"body.custom_fields.{key}")["detail"]
    problem(
        await customer.patch(f"/custom-fields/{key}", json={"required": False}, headers=ADMIN),
        409,
        "path.key",
    )
    profile = (await customer.get(f"/members/{member_id}", headers=SERVICE)).json()
    assert key not in profile["custom_fields"]
    async with customer_sessions() as session:  # the value is kept
        assert await session.get(MemberFieldValue, (key, member_id)) is not None
    redefined = await customer.post(
        "/custom-fields", json={"key": key, "labels": LABELS, "type": "text"}, headers=ADMIN
    )
    problem(redefined, 409, "body.key")


async def test_a_write_waits_for_a_change_of_its_field_and_follows_it(
    customer: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    key = await define(customer, "tone", type="choice", choices=[choice("warm"), choice("cool")])
    async with customer_sessions() as session, session.begin():
        await service.change(
            session, key, FieldChange.model_validate({"choices": [choice("warm")]})
        )
        body = {"name": "韩梅梅", "phone": new_phone(), "custom_fields": {key: "cool"}}
        signup = asyncio.create_task(customer.post("/members", json=body, headers=SERVICE))
        await asyncio.sleep(0.5)
        assert not signup.done()  # the registration waits for the change to commit
    refused = await signup  # and then checks against the new definition
    assert "warm" in problem(refused, 422, f"body.custom_fields.{key}")["detail"]

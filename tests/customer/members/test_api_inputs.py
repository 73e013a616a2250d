"""Every input of the members API, refused as a whole kind: a 422 naming the field, nothing
written; and the values at the edges of each bound accepted."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.customer.main import create_app
from shared.db import Sessions
from shared.inputs import unbounded_inputs
from tests.customer.conftest import new_phone, row_counts
from tests.stack import staff_headers

PROBLEM_JSON = "application/problem+json"


def test_every_input_of_the_customer_api_has_a_documented_bound() -> None:
    assert unbounded_inputs(create_app().openapi()) == []


# (field, value, where the error is located, how its message starts)
BODY_FAULTS: list[tuple[str, Any, str, str]] = [
    ("name", "李\u0000雷", "name", "must not contain a control character (U+0000 NULL)"),
    ("name", "李\u001b雷", "name", "must not contain a control character (U+001B ESCAPE)"),
    ("name", "李\u007f雷", "name", "must not contain a control character (U+007F DELETE)"),
    ("name", "李\n雷", "name", "must be a single line"),
    ("name", "李\u2028雷", "name", "must be a single line"),
    ("name", "李\t雷", "name", "must not contain a tab"),
    ("name", "李\u202e雷", "name", "must not contain a bidirectional control character"),
    ("name", "李\u200b雷", "name", "must not contain an invisible formatting character"),
    ("name", "   ", "name", "must not be blank"),
    ("name", "\u3000\n", "name", "must not be blank"),
    ("name", "", "name", "must not be blank"),
    ("name", "李" * 101, "name", "must be at most 100 characters long"),
    ("name", 12, "name", "Input should be a valid string"),
    ("name", None, "name", "Input should be a valid string"),
    ("phone", "138\u00001234 5678", "phone", "may contain only digits"),
    ("phone", "138\n1234 5678", "phone", "may contain only digits"),
    ("phone", "   ", "phone", "must not be blank"),
    ("phone", "1" * 33, "phone", "must be at most 32 characters long"),
    ("phone", "12345", "phone", "is not a valid phone number"),
    ("phone", "+86 10 6552 9988", "phone", "is not a mobile number"),
    ("phone", "+999 1234 5678", "phone", "has a country code no country uses"),
    ("phone", 13812345678, "phone", "Input should be a valid string"),
    ("email", "li\u0000lei@example.com", "email", ""),
    ("email", "lilei@example.com\r\nBcc: x@example.com", "email", ""),
    ("email", "   ", "email", ""),
    ("email", "a" * 250 + "@example.com", "email", "must be at most 254 characters long"),
    ("email", "Li Lei <lilei@example.com>", "email", "must be a bare address"),
    ("birthday", "2099-01-01", "birthday", "must not be in the future"),
    ("birthday", "1899-12-31", "birthday", "must not be before 1900-01-01"),
    ("birthday", "1990-05-20T00:00:00", "birthday", "must be written like 1990-05-20"),
    ("birthday", 642124800, "birthday", "must be written like 1990-05-20"),
    ("birthday", "0000-01-01", "birthday", ""),
    ("gender", "unknown", "gender", "Input should be"),
    ("locale", "fr", "locale", "Input should be"),
    ("locale", "zh-CN\u0000", "locale", "Input should be"),
    ("store_id", "store-7", "store_id", ""),
    ("store_id", 7, "store_id", ""),
    ("consent", {"sms": "yes"}, "consent.sms", "Input should be a valid boolean"),
    ("consent", {"email": 1}, "consent.email", "Input should be a valid boolean"),
    ("consent", {"push": True}, "consent.push", "Extra inputs are not permitted"),
    ("consent", True, "consent", ""),
    ("nickname", "Lei", "nickname", "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("field", "value", "location", "message"), BODY_FAULTS)
async def test_a_bad_registration_field_is_a_422_naming_it_and_writes_nothing(
    customer: httpx.AsyncClient,
    customer_sessions: Sessions,
    field: str,
    value: Any,
    location: str,
    message: str,
) -> None:
    before = await row_counts(customer_sessions)
    body = {"name": "李雷", "phone": new_phone(), field: value}
    response = await customer.post("/members", json=body, headers=staff_headers("service"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == "urn:huiyuan:problem:invalid-request"
    (error,) = problem["errors"]
    assert error["location"] == f"body.{location}"
    assert error["message"].startswith(message), error["message"]
    assert await row_counts(customer_sessions) == before


def _today_in_shanghai() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("name", "  李雷\u3000", "李雷"),
        ("name", "李" * 100, "李" * 100),
        ("name", "👩\u200d👩\u200d👧 王", "👩\u200d👩\u200d👧 王"),
        ("email", "  LiLei@Example.COM ", "LiLei@example.com"),
        ("birthday", "1900-01-01", "1900-01-01"),
        ("birthday", None, None),
        ("gender", "undisclosed", "undisclosed"),
        ("locale", "en", "en"),
    ],
)
async def test_values_at_the_edges_of_each_bound_are_accepted(
    customer: httpx.AsyncClient, field: str, value: Any, stored: Any
) -> None:
    body = {"name": "李雷", "phone": new_phone(), field: value}
    created = await customer.post("/members", json=body, headers=staff_headers("service"))
    assert created.status_code == 201, created.text
    read = await customer.get(f"/members/{created.json()['id']}", headers=staff_headers())
    assert read.json()[field] == stored


async def test_a_birthday_of_today_in_the_business_timezone_is_accepted(
    customer: httpx.AsyncClient,
) -> None:
    today = _today_in_shanghai().isoformat()
    body = {"name": "小宝", "phone": new_phone(), "birthday": today}
    created = await customer.post("/members", json=body, headers=staff_headers("service"))
    assert created.status_code == 201, created.text


def _cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# (query parameter, value, how the message starts)
QUERY_FAULTS: list[tuple[str, str, str]] = [
    ("card_number", "8860000000018", "has a last digit that does not check"),
    ("card_number", "886000000001７", "may contain only digits 0-9"),
    ("card_number", "8860-0000-0001-7", "may contain only digits 0-9"),
    ("card_number", "8860000000017\u0000", "may contain only digits 0-9"),
    ("card_number", "1" * 33, "must be at most 32 characters long"),
    ("card_number", "   ", "must not be blank"),
    ("card_number", "7", "must be at least 2 characters long"),
    ("phone", "abc", "may contain only digits"),
    ("phone", "138\u00001234 5678", "may contain only digits"),
    ("phone", "12345", "is not a valid phone number"),
    ("cursor", "nope", "is not in the form of this list's cursors"),
    ("cursor", "x" * 200, "String should have at most 128 characters"),
    ("cursor", _cursor_of("yesterday|someone"), "is not in the form of this list's cursors"),
    ("cursor", _cursor_of(f"0001-01-01T00:00:00+14:00|{uuid.UUID(int=1)}"), "is not in the form"),
    ("limit", "0", "Input should be greater than or equal to 1"),
    ("limit", "201", "Input should be less than or equal to 200"),
    ("limit", "1.5", "Input should be a valid integer"),
    ("limit", "9" * 30, "Input should be less than or equal to 200"),
]


@pytest.mark.parametrize(("name", "value", "message"), QUERY_FAULTS)
async def test_a_bad_query_value_is_a_422_naming_it(
    customer: httpx.AsyncClient, name: str, value: str, message: str
) -> None:
    response = await customer.get("/members", params={name: value}, headers=staff_headers())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    (error,) = response.json()["errors"]
    assert error["location"] == f"query.{name}"
    assert error["message"].startswith(message), error["message"]


@pytest.mark.parametrize("value", ["not-a-uuid", "7d1c0a52-7a7e-4d39-9a55", "1" * 500, "%00"])
async def test_a_member_id_that_is_no_uuid_is_a_422_naming_it(
    customer: httpx.AsyncClient, value: str
) -> None:
    response = await customer.get(f"/members/{value}", headers=staff_headers())
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["location"] == "path.member_id"


async def test_an_unknown_member_is_a_named_404(customer: httpx.AsyncClient) -> None:
    member_id = uuid.uuid4()
    response = await customer.get(f"/members/{member_id}", headers=staff_headers())
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == "urn:huiyuan:problem:member-not-found"
    assert problem["errors"] == [
        {"location": "path.member_id", "message": f"No member with id {member_id}"}
    ]

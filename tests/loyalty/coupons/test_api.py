"""Coupon definitions over HTTP: added, read, listed; bad input refused naming the field."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.loyalty.conftest import key, problem
from tests.stack import staff_headers

MARKETING = staff_headers("marketing")
ANALYST = staff_headers("analyst")


def body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "满200减30",
        "terms": {"kind": "threshold_off", "threshold_fen": 20_000, "off_fen": 3_000},
        "scope": {"categories": ["health"]},
        "valid_days": 30,
        "quantity": 100,
    } | changes


async def test_a_definition_is_added_read_and_listed(client: httpx.AsyncClient) -> None:
    response = await client.post("/coupons/definitions", json=body(), headers=MARKETING | key())
    assert response.status_code == 201, response.text
    added = response.json()
    assert response.headers["location"] == f"/coupons/definitions/{added['id']}"
    assert added["kind"] == "threshold_off"
    assert added["terms"] == {"threshold_fen": 20_000, "off_fen": 3_000}
    assert added["scope"] == {"stores": [], "categories": ["health"], "skus": []}
    assert (added["face_value_fen"], added["issued"], added["per_member_limit"]) == (3_000, 0, 1)
    assert added["expiring_notice_days"] == 3  # the default: members are told 3 days ahead
    read = await client.get(f"/coupons/definitions/{added['id']}", headers=ANALYST)
    assert read.json() == added
    listed = await client.get("/coupons/definitions", params={"limit": 200}, headers=ANALYST)
    assert added in listed.json()["items"]


@pytest.mark.parametrize(
    ("terms", "face_value"),
    [
        ({"kind": "percent_off", "percent": 15, "cap_fen": 2_000}, 2_000),
        ({"kind": "cash_voucher", "value_fen": 5_000}, 5_000),
        ({"kind": "free_gift", "sku": "GIFT-TOTE", "unit_value_fen": 3_900}, 3_900),
    ],
)
async def test_each_kind_has_its_face_value(
    client: httpx.AsyncClient, terms: dict[str, Any], face_value: int
) -> None:
    response = await client.post(
        "/coupons/definitions",
        json=body(
            terms=terms,
            valid_days=None,
            valid_from="2027-01-01T00:00:00+08:00",
            valid_until="2027-02-01T00:00:00+08:00",
            budget_fen=1_000_000,
        ),
        headers=MARKETING | key(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["face_value_fen"] == face_value
    assert response.json()["valid_until"] == "2027-01-31T16:00:00Z"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"terms": {"kind": "threshold_off", "threshold_fen": 100, "off_fen": 200}}, "off_fen"),
        ({"terms": {"kind": "percent_off", "percent": 101, "cap_fen": 1}}, "percent"),
        ({"terms": {"kind": "gift", "sku": "X"}}, "kind"),
        ({"valid_days": None}, "valid_days"),
        ({"valid_from": "2027-01-01T00:00:00+08:00"}, "not both"),
        (
            {
                "valid_days": None,
                "valid_from": "2027-02-01T00:00:00+08:00",
                "valid_until": "2027-01-01T00:00:00+08:00",
            },
            "valid_until",
        ),
        ({"budget_fen": 2_999}, "budget_fen"),
        ({"quantity": 0}, "quantity"),
        ({"scope": {"stores": ["not-a-store"]}}, "stores"),
        ({"expiring_notice_days": 0}, "expiring_notice_days"),
        ({"expiring_notice_days": 91}, "expiring_notice_days"),
        ({"expiring_notice_days": "3"}, "expiring_notice_days"),
    ],
)
async def test_bad_definitions_are_refused_naming_the_field(
    client: httpx.AsyncClient, changes: dict[str, Any], says: str
) -> None:
    response = await client.post(
        "/coupons/definitions", json=body(**changes), headers=MARKETING | key()
    )
    assert says in str(problem(response, 422))


async def test_only_marketing_adds_and_an_unknown_definition_is_a_404(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/coupons/definitions", json=body(), headers=ANALYST | key())
    assert refused.status_code == 403
    missing = await client.get(f"/coupons/definitions/{uuid.uuid4()}", headers=ANALYST)
    assert problem(missing, 404)["type"].endswith("coupon-definition-not-found")

"""Joining rules and the card fee at registration: the policy (admin, versioned), a
qualification that admits or is refused, a receipt that admits one member only, the card
fee paid or waived, the day report; nothing written for a refused registration."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, text

from services.customer.base import outbox
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from tests.customer.conftest import new_phone, row_counts
from tests.stack import member_headers, staff_headers

ADMIN = staff_headers("admin")
DESK = staff_headers("service")
CLOSED = {
    "admits": ["purchase", "earlier_customer"],
    "min_purchase_fen": 50000,
    "card_fee_fen": 5000,
}
OPEN = {"admits": ["open"], "card_fee_fen": 0}


@pytest.fixture(autouse=True, scope="module")
async def open_again(customer: httpx.AsyncClient) -> AsyncIterator[None]:
    """Other modules on this worker register members under the open policy."""
    yield
    assert (await customer.put("/program/joining-policy", json=OPEN, headers=ADMIN)).is_success


@pytest.fixture
async def closed(customer: httpx.AsyncClient) -> dict[str, Any]:
    answer = await customer.put("/program/joining-policy", json=CLOSED, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    policy: dict[str, Any] = answer.json()
    return policy


def _receipt() -> str:
    return f"R-{uuid.uuid4().hex[:12]}"


def _paid() -> dict[str, Any]:
    return {"paid_fen": 5000, "tender": "wechat", "receipt_no": _receipt()}


def _purchase(amount_fen: int = 50000, receipt_no: str | None = None) -> dict[str, Any]:
    return {"kind": "purchase", "receipt_no": receipt_no or _receipt(), "amount_fen": amount_fen}


async def _register(customer: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await customer.post(
        "/members", json={"name": "张伟", "phone": new_phone(), **body}, headers=DESK
    )


def _refusal(answer: httpx.Response, status: int, slug: str, field: str) -> None:
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert problem["type"] == f"urn:huiyuan:problem:{slug}"
    assert problem["errors"][0]["location"] == f"body.{field}"


async def test_the_policy_is_versioned_and_setting_it_again_changes_nothing(
    customer: httpx.AsyncClient, closed: dict[str, Any]
) -> None:
    again = await customer.put("/program/joining-policy", json=CLOSED, headers=ADMIN)
    assert again.json()["version"] == closed["version"]
    cheaper = CLOSED | {"card_fee_fen": 3000}
    changed = await customer.put("/program/joining-policy", json=cheaper, headers=ADMIN)
    assert changed.json()["version"] == closed["version"] + 1
    read = await customer.get("/program/joining-policy", headers=DESK)
    assert read.json() | {"updated_at": None} == changed.json() | {"updated_at": None}
    assert read.json()["updated_by"] == "test-admin"
    refused = await customer.put("/program/joining-policy", json=CLOSED, headers=DESK)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"admits": ["open", "purchase"], "min_purchase_fen": 100},
        {"admits": ["purchase"]},
        {"admits": ["earlier_customer"], "min_purchase_fen": 100},
        {"admits": []},
        {"admits": ["purchase"], "min_purchase_fen": 100, "card_fee_fen": -1},
    ],
)
async def test_an_incoherent_policy_is_refused(
    customer: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    answer = await customer.put("/program/joining-policy", json=body, headers=ADMIN)
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "qualification"),
        ({"qualification": _purchase(49999)}, "qualification.amount_fen"),
    ],
)
async def test_a_registration_short_of_the_policy_is_refused_and_nothing_is_written(
    customer: httpx.AsyncClient,
    customer_sessions: Sessions,
    closed: dict[str, Any],
    body: dict[str, Any],
    field: str,
) -> None:
    before = await row_counts(customer_sessions)
    answer = await _register(customer, card_fee=_paid(), **body)
    _refusal(answer, 422, "joining-rule-unmet", field)
    assert await row_counts(customer_sessions) == before


async def test_a_purchase_admits_one_member_and_is_recorded_with_them(
    customer: httpx.AsyncClient, customer_sessions: Sessions, closed: dict[str, Any]
) -> None:
    receipt = _receipt()
    created = await _register(customer, qualification=_purchase(50000, receipt), card_fee=_paid())
    assert created.status_code == 201, created.text
    member_id = created.json()["id"]

    before = await row_counts(customer_sessions)
    again = await _register(customer, qualification=_purchase(90000, receipt), card_fee=_paid())
    _refusal(again, 409, "receipt-used", "qualification.receipt_no")
    assert await row_counts(customer_sessions) == before
    profile = (await customer.get(f"/members/{member_id}", headers=DESK)).json()
    assert profile["qualification"] | {"recorded_at": None} == {
        "kind": "purchase",
        "receipt_no": receipt,
        "amount_fen": 50000,
        "proof": None,
        "policy_version": closed["version"],
        "attested_by": "test-service",
        "recorded_at": None,
    }
    registered = await _registered(customer_sessions, member_id)
    assert (registered.qualification, registered.card_fee_fen) == ("purchase", 5000)


async def test_proof_of_an_earlier_purchase_keeps_its_note_encrypted(
    customer: httpx.AsyncClient, customer_sessions: Sessions, closed: dict[str, Any]
) -> None:
    note = "旧会员卡 8860000000017"
    proof = {"kind": "earlier_customer", "proof": "old_card", "note": note}
    created = await _register(customer, qualification=proof, card_fee={"waived": "event day"})
    assert created.status_code == 201, created.text
    member_id = created.json()["id"]
    async with customer_sessions() as session:
        stored = (
            await session.execute(
                text("SELECT * FROM customer.member_qualifications WHERE member_id = :m"),
                {"m": uuid.UUID(member_id)},
            )
        ).one()
    assert (stored.kind, stored.proof_kind) == ("earlier_customer", "old_card")
    assert note not in str(tuple(stored))
    registered = await _registered(customer_sessions, member_id)
    assert registered.card_fee_fen == 0
    assert note not in str(registered.model_dump())


@pytest.mark.parametrize(
    ("card_fee", "slug", "field"),
    [
        (None, "card-fee-unsettled", "card_fee"),
        (
            {"paid_fen": 500, "tender": "cash", "receipt_no": "R-1"},
            "card-fee-unsettled",
            "card_fee.paid_fen",
        ),
        ({"paid_fen": 5000, "tender": "cash"}, "invalid-request", "card_fee"),
        (
            {"paid_fen": 5000, "tender": "cheque", "receipt_no": "R-1"},
            "invalid-request",
            "card_fee.tender",
        ),
        ({"waived": "event day", "paid_fen": 5000}, "invalid-request", "card_fee"),
    ],
)
async def test_a_card_fee_not_settled_is_refused_naming_the_field(
    customer: httpx.AsyncClient,
    customer_sessions: Sessions,
    closed: dict[str, Any],
    card_fee: dict[str, Any] | None,
    slug: str,
    field: str,
) -> None:
    before = await row_counts(customer_sessions)
    answer = await _register(customer, qualification=_purchase(), card_fee=card_fee)
    _refusal(answer, 422, slug, field)
    assert await row_counts(customer_sessions) == before


async def test_a_card_fee_receipt_pays_for_one_member(
    customer: httpx.AsyncClient, customer_sessions: Sessions, closed: dict[str, Any]
) -> None:
    fee = _paid()
    assert (await _register(customer, qualification=_purchase(), card_fee=fee)).is_success
    before = await row_counts(customer_sessions)
    again = await _register(customer, qualification=_purchase(), card_fee=fee)
    _refusal(again, 409, "receipt-used", "card_fee.receipt_no")
    assert await row_counts(customer_sessions) == before


async def test_a_retried_registration_records_its_fee_once(
    customer: httpx.AsyncClient, customer_sessions: Sessions, closed: dict[str, Any]
) -> None:
    body = {"name": "李娜", "phone": new_phone(), "qualification": _purchase(), "card_fee": _paid()}
    headers = DESK | {"Idempotency-Key": f"join-{uuid.uuid4().hex}"}
    first = await customer.post("/members", json=body, headers=headers)
    second = await customer.post("/members", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()


async def test_the_report_counts_fees_paid_and_waived_per_day_of_the_brand(
    customer: httpx.AsyncClient, closed: dict[str, Any]
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    query = {"from": today.isoformat(), "to": today.isoformat()}
    before = (await customer.get("/card-fees", params=query, headers=DESK)).json()
    await _register(customer, qualification=_purchase(), card_fee=_paid())
    await _register(customer, qualification=_purchase(), card_fee=_paid())
    await _register(customer, qualification=_purchase(), card_fee={"waived": "event day"})

    after = (await customer.get("/card-fees", params=query, headers=DESK)).json()
    assert (after["paid"], after["paid_fen"], after["waived"]) == (
        before["paid"] + 2,
        before["paid_fen"] + 10000,
        before["waived"] + 1,
    )
    assert [day["day"] for day in after["days"]] == [today.isoformat()]
    reversed_ = {"from": today.isoformat(), "to": date(2026, 1, 1).isoformat()}
    refused = await customer.get("/card-fees", params=reversed_, headers=DESK)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == "query.to"


async def test_under_an_open_policy_anyone_joins_and_no_fee_is_taken(
    customer: httpx.AsyncClient,
) -> None:
    assert (await customer.put("/program/joining-policy", json=OPEN, headers=ADMIN)).is_success
    assert (await _register(customer)).status_code == 201
    charged = await _register(customer, card_fee=_paid())
    _refusal(charged, 422, "card-fee-unsettled", "card_fee")


async def test_a_member_token_cannot_register(customer: httpx.AsyncClient) -> None:
    answer = await customer.post(
        "/members",
        json={"name": "张伟", "phone": new_phone()},
        headers=member_headers(uuid.uuid4()),
    )
    assert answer.status_code == 403


async def _registered(sessions: Sessions, member_id: str) -> MemberRegistered:
    async with sessions() as session:
        envelope = await session.scalar(
            select(outbox.table.c.envelope).where(
                outbox.table.c.key == member_id,
                outbox.table.c.event_type == "customer.member.registered",
            )
        )
    return CloudEvent.model_validate(envelope).payload(MemberRegistered)

"""Bulk grants to an audience: the members loyalty knows by tier, join time, points and last
purchase, resolved to a snapshot when the batch is created and granted by the batches'
worker; an audience of nobody is a finished batch of 0; bad criteria are 422s naming the
field.

The database is shared, so each test bounds its audiences with ``joined_from`` set to its
own start: only the members it makes joined after it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from services.loyalty.audiences.schemas import AudienceIn
from services.loyalty.coupons.batches import service
from services.loyalty.coupons.batches.schemas import GrantBatchIn
from shared.db import Sessions, transaction
from tests.loyalty.conftest import (
    handle,
    key,
    problem,
    published,
    purchase_event,
    purchase_id_of,
    registered_event,
    return_event,
)
from tests.loyalty.coupons.test_api import MARKETING
from tests.loyalty.coupons.test_batches import SERVICE, _definition, _finished
from tests.loyalty.coupons.test_jobs import _definition as _stored_definition
from tests.loyalty.households.conftest import household
from tests.stack import eventually


async def _bought(sessions: Sessions, total_fen: int, days_ago: int = 0) -> uuid.UUID:
    """A new member whose one purchase (``days_ago``) earned ``total_fen // 100`` points."""
    member = uuid.uuid4()
    at = datetime.now(UTC) - timedelta(days=days_ago)
    await handle(sessions, purchase_event(member, total_fen, purchased_at=at))
    return member


async def _snapshot(
    sessions: Sessions, definition_id: uuid.UUID, **criteria: Any
) -> set[uuid.UUID]:
    """The members of a batch made for the audience (whatever the app's worker did since)."""
    body = GrantBatchIn(audience=AudienceIn(**criteria), grant_key="audience-test")
    async with transaction(sessions) as session:
        batch = await service.create_batch(session, definition_id, body, by="test")
    async with sessions() as session:
        rows = await session.scalars(
            text("SELECT member_id FROM loyalty.coupon_grant_items WHERE batch_id = :b"),
            {"b": batch.id},
        )
        members = set(rows)
    assert batch.total == len(members)
    return members


async def test_an_audience_is_the_members_matching_every_criterion(
    loyalty_sessions: Sessions,
) -> None:
    start = datetime.now(UTC)
    definition = await _stored_definition(loyalty_sessions)
    fifty = await _bought(loyalty_sessions, 5_000)  # 50 points, standard
    vip = await _bought(loyalty_sessions, 100_000)  # 1,000 points, on vip after it
    registered = uuid.uuid4()  # 0 points, standard, never bought
    await handle(loyalty_sessions, registered_event(registered))
    lapsed = await _bought(loyalty_sessions, 10_000, days_ago=40)  # 100 points
    refunded = uuid.uuid4()  # 80 points earned, all taken back by a full return
    sale = purchase_event(refunded, 8_000)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, return_event(refunded, purchase_id_of(sale), 8_000, 8_000))
    head = await _bought(loyalty_sessions, 20_000)  # 200 points
    partner = await _bought(loyalty_sessions, 10_000)  # 100 points
    await household(loyalty_sessions, head, partner)  # both on its pool of 300 points
    ours = {fifty, vip, registered, lapsed, refunded, head, partner}

    async def audience(**criteria: Any) -> set[uuid.UUID]:
        return await _snapshot(loyalty_sessions, definition.id, joined_from=start, **criteria)

    assert await audience() == ours
    assert await audience(tiers=["vip"]) == {vip}
    assert await audience(tiers=["standard"]) == ours - {vip}
    assert await audience(min_points=50, max_points=100) == {fifty, lapsed}
    assert await audience(max_points=0) == {registered, refunded}
    assert await audience(min_points=101) == {vip, head, partner}
    assert await audience(min_points=300, max_points=300) == {head, partner}
    # the last purchase by sale time; a fully returned one is no purchase, never buying is none
    day_ago = start - timedelta(days=1)
    assert await audience(last_purchase_from=day_ago) == {fifty, vip, head, partner}
    assert await audience(last_purchase_until=start - timedelta(days=30)) == {lapsed}
    assert await audience(tiers=["standard"], last_purchase_until=day_ago) == {lapsed}
    # joined: when loyalty opened the account, here now, whatever the sale's date
    assert await audience(joined_until=datetime.now(UTC)) == ours
    assert await _snapshot(loyalty_sessions, definition.id, joined_until=start) & ours == set()


async def test_a_batch_grants_its_audience_as_of_its_creation_once_per_key(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    start = datetime.now(UTC)
    definition_id = await _definition(client, quantity=10)
    first = await _bought(loyalty_sessions, 30_000)  # 300 points
    second = await _bought(loyalty_sessions, 40_000)  # 400 points
    await _bought(loyalty_sessions, 1_000)  # 10 points: below the audience's 300
    sent = {
        "audience": {"joined_from": start.isoformat(), "min_points": 300, "tiers": ["standard"]},
        "grant_key": "points-300",
    }
    url = f"/coupons/definitions/{definition_id}/grants"
    headers = MARKETING | key()
    accepted = await client.post(url, json=sent, headers=headers)
    assert accepted.status_code == 202, accepted.text
    batch = accepted.json()
    assert (batch["total"], batch["due"], batch["finished_at"]) == (2, 2, None)
    assert batch["audience"] == {
        "joined_from": start.isoformat().replace("+00:00", "Z"),
        "min_points": 300,
        "tiers": ["standard"],
    }
    late = await _bought(loyalty_sessions, 30_000)  # matches, but after the snapshot
    replayed = await client.post(url, json=sent, headers=headers)
    assert replayed.status_code == 202
    assert replayed.json() == batch  # the same batch, not resolved again

    done = await eventually(lambda: _finished(client, f"{url}/{batch['id']}"))
    assert (done["total"], done["granted"], done["refused"], done["due"]) == (2, 2, 0, 0)
    for member in (first, second):
        granted = await published(loyalty_sessions, member, "loyalty.coupon.granted")
        assert [g["definition_id"] for g in granted] == [definition_id]
    assert await published(loyalty_sessions, late, "loyalty.coupon.granted") == []


async def test_an_audience_of_nobody_is_a_finished_batch_of_none(
    client: httpx.AsyncClient,
) -> None:
    definition_id = await _definition(client)
    url = f"/coupons/definitions/{definition_id}/grants"
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    sent = {"audience": {"joined_from": future}, "grant_key": "nobody"}
    accepted = await client.post(url, json=sent, headers=MARKETING | key())
    assert accepted.status_code == 202, accepted.text
    batch = accepted.json()
    assert (batch["total"], batch["granted"], batch["refused"], batch["due"]) == (0, 0, 0, 0)
    assert batch["finished_at"] is not None
    read = await client.get(accepted.headers["location"], headers=SERVICE)
    assert read.json() == batch


async def test_bad_audiences_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    definition_id = await _definition(client)
    url = f"/coupons/definitions/{definition_id}/grants"
    member = str(uuid.uuid4())
    now = datetime.now(UTC)
    for audience, field in (
        ({"tiers": []}, "audience.tiers"),
        ({"tiers": ["VIP!"]}, "audience.tiers"),
        ({"min_points": -1}, "audience.min_points"),
        ({"min_points": "5"}, "audience.min_points"),
        ({"min_points": 10, "max_points": 9}, "max_points"),
        ({"joined_from": "2026-11-01T00:00:00"}, "audience.joined_from"),
        (
            {"joined_from": now.isoformat(), "joined_until": now.isoformat()},
            "joined_until",
        ),
        (
            {"last_purchase_from": now.isoformat(), "last_purchase_until": "2026-01-01T00:00Z"},
            "last_purchase_until",
        ),
        ({"segment_id": member}, "segment_id"),
    ):
        sent: dict[str, Any] = {"audience": audience, "grant_key": "k"}
        refused = problem(await client.post(url, json=sent, headers=MARKETING | key()), 422)
        assert field in str(refused["errors"]), (audience, refused)
    neither_or_both: list[dict[str, Any]] = [
        {"member_ids": [member], "audience": {"tiers": ["vip"]}, "grant_key": "k"},
        {"grant_key": "k"},
    ]
    for sent, case in zip(neither_or_both, ("both were given", "neither was given"), strict=True):
        refused = problem(await client.post(url, json=sent, headers=MARKETING | key()), 422)
        assert f"one of member_ids or audience: {case}" in str(refused["errors"]), refused
    unknown = await client.post(
        url,
        json={"audience": {"tiers": ["vip", "gold"]}, "grant_key": "k"},
        headers=MARKETING | key(),
    )
    refused = problem(unknown, 422)
    assert refused["type"].endswith("unknown-tier")
    assert refused["errors"] == [{"location": "body.audience.tiers", "message": refused["detail"]}]
    assert refused["detail"] == "Not on the ladder: gold"

"""Bulk grants to analytics' saved segments, as loyalty's copy has them (kept by its
handlers from ``analytics.segment.changed``): the members of any named segment who hold an
account; a segment loyalty was not told of is a 422 naming it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from services.loyalty.audiences.schemas import AudienceIn
from services.loyalty.coupons.batches import service
from services.loyalty.coupons.batches.schemas import GrantBatchIn
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.segments import SegmentChanged
from tests.loyalty.conftest import handle, key, problem, purchase_event
from tests.loyalty.coupons.test_api import MARKETING
from tests.loyalty.coupons.test_batches import _definition


def _published(segment_id: uuid.UUID, added: list[uuid.UUID]) -> CloudEvent:
    payload = SegmentChanged(
        segment_id=segment_id,
        name="流失预警",
        run_id=uuid.uuid4(),
        sequence=1,
        chunk_index=0,
        chunk_count=1,
        added=added,
        removed=[],
        members=len(added),
        refreshed_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/analytics")


async def test_a_batch_takes_the_members_of_any_named_segment(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    definition_id = await _definition(client, quantity=10)
    buyers = [uuid.uuid4() for _ in range(3)]
    for member in buyers:
        await handle(loyalty_sessions, purchase_event(member, 5_000))
    first, second = uuid.uuid4(), uuid.uuid4()
    no_account = uuid.uuid4()  # analytics may know a member loyalty holds no account of
    await handle(loyalty_sessions, _published(first, [buyers[0], no_account]))
    await handle(loyalty_sessions, _published(second, [buyers[1]]))
    body = GrantBatchIn(audience=AudienceIn(segments=[first, second]), grant_key="segments")
    async with transaction(loyalty_sessions) as session:
        batch = await service.create_batch(session, uuid.UUID(definition_id), body, by="test")
    assert batch.total == 2  # buyers[0] and buyers[1]; buyers[2] is in neither


async def test_an_unknown_segment_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    definition_id = await _definition(client, quantity=10)
    sent = {"audience": {"segments": [str(uuid.uuid4())]}, "grant_key": "nobody"}
    refused = problem(
        await client.post(
            f"/coupons/definitions/{definition_id}/grants", json=sent, headers=MARKETING | key()
        ),
        422,
    )
    assert refused["type"] == "urn:huiyuan:problem:unknown-segment"
    assert [e["location"] for e in refused["errors"]] == ["body.audience.segments.0"]

"""Draws through the API: chances earned by purchases and taken back by returns, one
chance per draw, prizes delivered through the kernels, the same key the same draw, and
clear refusals that write nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.loyalty.lottery.invariants import lottery_violations
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from tests.loyalty.campaigns.test_api import void_event
from tests.loyalty.conftest import (
    handle,
    key,
    ledger_of,
    ledger_sound,
    problem,
    published,
    purchase_event,
    return_event,
)
from tests.loyalty.coupons.test_api import body as definition_body
from tests.loyalty.lottery.conftest import (
    MARKETING,
    buyer,
    gift_prize,
    new_campaign,
    points_prize,
)
from tests.stack import member_headers, staff_headers

pytestmark = pytest.mark.usefixtures("ends_its_campaigns")


async def _draw(
    client: httpx.AsyncClient, member: uuid.UUID, campaign: str, **headers: str
) -> httpx.Response:
    return await client.post(
        f"/members/{member}/draws",
        json={"campaign_id": campaign},
        headers=member_headers(member) | (headers or key()),
    )


async def _chances(client: httpx.AsyncClient, member: uuid.UUID, campaign: str) -> int:
    read = await client.get(f"/members/{member}/draws", headers=member_headers(member))
    assert read.status_code == 200, read.text
    return sum(c["chances"] for c in read.json()["chances"] if c["campaign_id"] == campaign)


async def _sound(sessions: Sessions, *members: uuid.UUID) -> list[str]:
    async with sessions() as session:
        return [str(v) for v in await lottery_violations(session, members)]


async def test_a_campaign_is_made_read_and_listed(client: httpx.AsyncClient) -> None:
    made = await new_campaign(client, gift_prize(50, 2, fallback="next"), points_prize(500, 300, 3))
    assert [(p["rank"], p["kind"], p["won_today"]) for p in made["prizes"]] == [
        (1, "gift", 0),
        (2, "points", 0),
    ]
    assert (made["prizes"][0]["fallback"], made["prizes"][1]["fallback"]) == ("next", "none")
    read = await client.get(f"/lottery/campaigns/{made['id']}", headers=staff_headers("analyst"))
    assert read.json() == made
    listed = await client.get("/lottery/campaigns", params={"limit": 200}, headers=MARKETING)
    assert made in listed.json()["items"]


async def test_purchases_earn_chances_and_a_draw_spends_one_and_credits_its_points(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(500, 10_000, 5)))["id"]
    member, _ = await buyer(loyalty_sessions, 35_000)  # one per 100 yuan: 3 chances
    assert await _chances(client, member, campaign) == 3
    same = key()
    drawn = await _draw(client, member, campaign, **same)
    assert drawn.status_code == 201, drawn.text
    made = drawn.json()
    assert (made["prize"]["points"], made["chances_left"]) == (500, 2)
    assert 0 <= made["random_value"] < 10_000
    again = await _draw(client, member, campaign, **same)
    assert again.json()["draw_id"] == made["draw_id"]  # the same key answers the same draw
    assert await _chances(client, member, campaign) == 2
    # 350 points earned by the purchase, then 500 credited by the draw
    assert [(e.source_type, e.points) for e in await ledger_of(loyalty_sessions, member)] == [
        ("purchase", 350),
        ("lottery_prize", 500),
    ]
    [event] = await published(loyalty_sessions, member, "loyalty.draw.made")
    assert (event["entry_id"], event["points"], event["balance"]) == (made["entry_id"], 500, 850)
    assert event["prize_name"] == made["prize"]["name"]  # what messaging congratulates with
    assert await ledger_sound(loyalty_sessions, member) == ()
    assert await _sound(loyalty_sessions, member) == []


async def test_a_coupon_prize_out_of_stock_falls_to_the_next_prize_a_gift_staff_hand_over(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    defined = await client.post(
        "/coupons/definitions", json=definition_body(quantity=1), headers=MARKETING | key()
    )
    coupon = {
        "name": "三等奖 代金券",
        "kind": "coupon",
        "definition_id": defined.json()["id"],
        "probability": 10_000,
        "daily_quota": 10,
        "fallback": "next",
    }
    campaign = (await new_campaign(client, coupon, gift_prize(0, 1)))["id"]
    member, _ = await buyer(loyalty_sessions, 20_000)  # 2 chances
    first = (await _draw(client, member, campaign)).json()
    assert first["prize"]["kind"] == "coupon"
    assert first["coupon_id"] is not None
    async with loyalty_sessions() as session:
        grant_key = await session.scalar(
            text("SELECT grant_key FROM loyalty.coupons WHERE id = :id"), {"id": first["coupon_id"]}
        )
    assert grant_key == f"draw:{first['draw_id']}"
    [granted] = await published(loyalty_sessions, member, "loyalty.coupon.granted")
    assert granted["occasion"] == "draw"  # draw_won tells it, not a plain coupon notice
    # the definition's one coupon is granted: the coupon prize falls to the gift
    second = (await _draw(client, member, campaign)).json()
    assert (second["drawn_prize_id"], second["prize"]["kind"]) == (
        first["prize"]["prize_id"],
        "gift",
    )
    assert second["coupon_id"] is None
    assert second["fulfilled_at"] is None
    handed = await client.post(
        f"/lottery/draws/{second['draw_id']}/fulfilment", headers=staff_headers("service")
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["fulfilled_at"] is not None
    twice = await client.post(
        f"/lottery/draws/{second['draw_id']}/fulfilment", headers=staff_headers("service")
    )
    assert twice.json() == handed.json()
    assert len(await published(loyalty_sessions, member, "loyalty.draw.fulfilled")) == 1
    no_gift = await client.post(
        f"/lottery/draws/{first['draw_id']}/fulfilment", headers=staff_headers("service")
    )
    assert problem(no_gift, 404)["type"].endswith(":lottery-fulfilment-not-found")
    audit = await client.get(f"/lottery/campaigns/{campaign}/draws", headers=MARKETING)
    assert [d["draw_id"] for d in audit.json()["items"]] == [second["draw_id"], first["draw_id"]]
    assert [p["won_today"] for p in audit.json()["prizes"]] == [1, 1]
    assert await _sound(loyalty_sessions, member) == []


async def test_a_return_takes_back_the_unused_chances_its_purchase_no_longer_earns(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(10, 0, 1)))["id"]
    member, purchase = await buyer(loyalty_sessions, 35_000)  # 3 chances
    assert (await _draw(client, member, campaign)).json()["prize"] is None  # 2 left
    # 200 yuan back: 150 yuan earn 1, so 2 are lost, and 2 are unused
    returned = return_event(member, purchase, 20_000, 35_000)
    await handle(loyalty_sessions, returned)
    assert await _chances(client, member, campaign) == 0
    # the same return delivered again under another event id takes nothing more
    await handle(loyalty_sessions, CloudEvent(**(returned.model_dump() | {"id": "again"})))
    # the rest back: the last chance is lost too, but it was drawn already: nothing owed
    await handle(loyalty_sessions, return_event(member, purchase, 15_000, 35_000))
    assert await _chances(client, member, campaign) == 0
    changes = await published(loyalty_sessions, member, "loyalty.draw.chances_changed")
    # every campaign running earns: this one's
    mine = [c for c in changes if c["campaign_id"] == campaign]
    assert [(c["source_type"], c["chances"], c["balance"]) for c in mine] == [
        ("purchase", 3, 3),
        ("return", -2, 0),
    ]
    assert await _sound(loyalty_sessions, member) == []


async def test_a_void_takes_back_what_the_purchase_earned(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(10, 0, 1)))["id"]
    member, purchase = await buyer(loyalty_sessions, 25_000)  # 2 chances
    await handle(loyalty_sessions, void_event(member, purchase, 25_000))
    assert await _chances(client, member, campaign) == 0
    assert await _sound(loyalty_sessions, member) == []


async def test_refusals_name_what_is_wrong_and_write_nothing(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(10, 10_000, 1)))["id"]
    member, _ = await buyer(loyalty_sessions, 5_000)  # under 100 yuan: no chance
    refused = problem(await _draw(client, member, campaign), 409)
    assert refused["type"].endswith(":no-draw-chances")
    assert _locations(refused) == ["body.campaign_id"]
    unknown = problem(await _draw(client, member, str(uuid.uuid4())), 404)
    assert _locations(unknown) == ["body.campaign_id"]
    later = await client.post(
        "/lottery/campaigns",
        json=_later(points_prize(10, 10_000, 1)),
        headers=MARKETING | key(),
    )
    waiting = problem(await _draw(client, member, later.json()["id"]), 409)
    assert waiting["type"].endswith(":lottery-campaign-not-running")
    other = await client.post(
        f"/members/{member}/draws",
        json={"campaign_id": campaign},
        headers=member_headers(uuid.uuid4()) | key(),
    )
    assert problem(other, 403)["status"] == 403
    async with loyalty_sessions() as session:
        drawn = await session.scalar(
            text("SELECT count(*) FROM loyalty.lottery_draws WHERE member_id = :m"), {"m": member}
        )
    assert drawn == 0


def _locations(answer: dict[str, Any]) -> list[str]:
    return [error["location"] for error in answer.get("errors", [])]


def _later(*prizes: dict[str, Any]) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from tests.loyalty.lottery.conftest import campaign_body

    start = datetime.now(UTC) + timedelta(days=1)
    return campaign_body(
        *prizes, starts_at=start.isoformat(), ends_at=(start + timedelta(days=1)).isoformat()
    )


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"prizes": [points_prize(1, 6_000, 1), points_prize(2, 4_001, 1)]}, "prizes"),
    ({"earn": {"kind": "per_spend", "spend_fen": 99}}, "earn.spend_fen"),
    ({"prizes": [points_prize(1, 10_001, 1)]}, "prizes.0.points.probability"),
    ({"prizes": [points_prize(1, 10, 0)]}, "prizes.0.points.daily_quota"),
    ({"prizes": []}, "prizes"),
]


async def test_bad_campaigns_are_422s_naming_the_field_and_write_nothing(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    from tests.loyalty.lottery.conftest import campaign_body

    name = f"bad-{uuid.uuid4().hex[:8]}"
    cases = [
        *INVALID,
        ({"ends_at": campaign_body()["starts_at"]}, "ends_at"),
        (
            {
                "prizes": [
                    points_prize(5, 10, 1),
                    {
                        "name": "券",
                        "kind": "coupon",
                        "definition_id": str(uuid.uuid4()),
                        "probability": 10,
                        "daily_quota": 1,
                    },
                ]
            },
            "prizes.1.definition_id",
        ),
    ]
    for changes, field in cases:
        body = campaign_body(points_prize(1, 1, 1), name=name) | changes
        response = await client.post("/lottery/campaigns", json=body, headers=MARKETING | key())
        answer = problem(response, 422)
        assert any(at.startswith(f"body.{field}") for at in _locations(answer)), (field, answer)
    async with loyalty_sessions() as session:
        made = await session.scalar(
            text("SELECT count(*) FROM loyalty.lottery_campaigns WHERE name = :n"), {"n": name}
        )
    assert made == 0


async def test_the_invariants_see_a_chance_balance_its_entries_do_not_explain(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(10, 0, 1)))["id"]
    member, _ = await buyer(loyalty_sessions, 10_000)
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text(
                "UPDATE loyalty.lottery_chances SET balance = balance + 1 "
                "WHERE campaign_id = :c AND member_id = :m"
            ),
            {"c": campaign, "m": member},
        )
        [found] = [str(v) for v in await lottery_violations(session, [member])]
        assert "2 chances, entries add up to 1" in found
        await session.rollback()


async def test_a_purchase_delivered_again_under_another_event_id_earns_once(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(10, 0, 1)))["id"]
    member, purchase = uuid.uuid4(), uuid.uuid4()
    sale = purchase_event(member, 20_000, purchase)
    await handle(loyalty_sessions, sale)
    await handle(loyalty_sessions, sale.model_copy(update={"id": str(uuid.uuid4())}))
    assert await _chances(client, member, campaign) == 2
    staff = await client.get(f"/members/{member}/draws", headers=MARKETING)
    assert staff.json()["chances"] == (await _member_view(client, member))["chances"]
    assert await _sound(loyalty_sessions, member) == []


async def _member_view(client: httpx.AsyncClient, member: uuid.UUID) -> dict[str, Any]:
    read = await client.get(f"/members/{member}/draws", headers=member_headers(member))
    return dict(read.json())


async def test_an_ended_campaign_takes_no_draw_and_earns_no_chance(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    campaign = (await new_campaign(client, points_prize(10, 10_000, 5)))["id"]
    member, _ = await buyer(loyalty_sessions, 10_000)  # 1 chance
    ended = await client.post(f"/lottery/campaigns/{campaign}/end", headers=MARKETING | key())
    assert ended.status_code == 200, ended.text
    assert ended.json()["ends_at"] <= datetime.now(UTC).isoformat().replace("+00:00", "Z")
    assert problem(await _draw(client, member, campaign), 409)["type"].endswith(
        ":lottery-campaign-not-running"
    )
    await handle(loyalty_sessions, purchase_event(member, 30_000))
    assert await _chances(client, member, campaign) == 1  # the purchase came after the end
    again = await client.post(f"/lottery/campaigns/{campaign}/end", headers=MARKETING | key())
    assert problem(again, 409)["type"].endswith(":lottery-campaign-ended")
    planned = await client.post(
        "/lottery/campaigns", json=_later(points_prize(1, 1, 1)), headers=MARKETING | key()
    )
    cancelled = await client.post(
        f"/lottery/campaigns/{planned.json()['id']}/end", headers=MARKETING | key()
    )
    assert cancelled.json()["starts_at"] == cancelled.json()["ends_at"]  # never runs

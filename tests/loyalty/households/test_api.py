"""The household policy over HTTP: read, set, refused input and callers."""

from __future__ import annotations

import uuid

import httpx

from tests.loyalty.conftest import problem
from tests.stack import member_headers, staff_headers

MARKETING = staff_headers("marketing")


async def test_marketing_sets_the_policy_and_staff_read_it(client: httpx.AsyncClient) -> None:
    for share in ("nothing", "equal_share", "earned_share"):
        response = await client.put(
            "/program/household-policy", json={"leaving_share": share}, headers=MARKETING
        )
        assert response.status_code == 200, response.text
        assert response.json()["leaving_share"] == share
        read = await client.get("/program/household-policy", headers=staff_headers("service"))
        assert read.json() == response.json()
        assert read.json()["updated_at"] is not None


async def test_bad_policies_and_callers_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get("/program/household-policy", headers=MARKETING)).json()
    for body in (
        {"leaving_share": "half"},
        {"leaving_share": None},
        {"leaving_share": 1},
        {},
        {"leaving_share": "nothing", "extra": True},
    ):
        refused = problem(
            await client.put("/program/household-policy", json=body, headers=MARKETING), 422
        )
        assert refused["errors"][0]["location"].startswith("body"), refused
    for headers in (staff_headers("service"), member_headers(uuid.uuid4())):
        problem(
            await client.put(
                "/program/household-policy", json={"leaving_share": "nothing"}, headers=headers
            ),
            403,
        )
    problem(
        await client.get("/program/household-policy", headers=member_headers(uuid.uuid4())), 403
    )
    assert (await client.get("/program/household-policy", headers=MARKETING)).json() == before

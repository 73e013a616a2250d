"""Every entry of a wallet is readable: the wallet shows its latest and the cursor of the
rest, ``GET /members/{id}/wallet/entries`` pages through them all in the ledger's order."""

from __future__ import annotations

import uuid

import httpx

from shared.db import Sessions
from tests.loyalty.conftest import funded_member, problem
from tests.loyalty.wallets.test_api import SERVICE, deposit
from tests.stack import every_item, member_headers


async def test_the_wallet_shows_its_latest_entries_and_the_entries_page_through_all(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id, store = await funded_member(loyalty_sessions, 100), uuid.uuid4()
    made = [await deposit(client, member_id, store, 100 + i) for i in range(5)]
    written = [m["deposit"]["deposit_id"] for m in reversed(made)]  # the latest first
    path = f"/members/{member_id}/wallet/entries"

    entries = await every_item(client, path, member_headers(member_id), limit=2)
    assert [e["ref"] for e in entries] == written
    assert [e["principal_fen"] for e in entries] == [104, 103, 102, 101, 100]
    assert entries == await every_item(client, path, SERVICE)

    latest = await client.get(
        f"/members/{member_id}/wallet", params={"limit": 2}, headers=member_headers(member_id)
    )
    assert latest.json()["entries"] == entries[:2]
    rest = await client.get(
        path, params={"cursor": latest.json()["entries_cursor"]}, headers=SERVICE
    )
    assert rest.json() == {"items": entries[2:], "next_cursor": None}
    whole = await client.get(f"/members/{member_id}/wallet", params={"limit": 5}, headers=SERVICE)
    assert (whole.json()["entries"], whole.json()["entries_cursor"]) == (entries, None)


async def test_a_cursor_not_written_by_the_list_a_stranger_or_an_unknown_member_is_refused(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    member_id = await funded_member(loyalty_sessions, 100)
    path = f"/members/{member_id}/wallet/entries"
    for forged in ("bm90LW91cnM=", "-1", "99999999999999999999"):
        refused = problem(await client.get(path, params={"cursor": forged}, headers=SERVICE), 422)
        assert [e["location"] for e in refused["errors"]] == ["query.cursor"]
    stranger = await client.get(path, headers=member_headers(uuid.uuid4()))
    assert stranger.status_code == 403
    unknown = await client.get(f"/members/{uuid.uuid4()}/wallet/entries", headers=SERVICE)
    assert problem(unknown, 404)["type"] == "urn:huiyuan:problem:account-not-found"
    empty = await client.get(path, headers=member_headers(member_id))
    assert empty.json() == {"items": [], "next_cursor": None}

"""Member search over HTTP: each kind of q, explicit name and initial, pages, refusals."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.customer.search import repository
from tests.customer.conftest import new_phone
from tests.stack import member_headers, staff_headers

SERVICE = staff_headers("service")


def _token() -> str:
    """A Latin fragment no other test's member name contains."""
    return "Qx" + uuid.uuid4().hex[:10]


async def _register(customer: httpx.AsyncClient, name: str) -> dict[str, Any]:
    phone = new_phone()
    created = await customer.post("/members", json={"name": name, "phone": phone}, headers=SERVICE)
    assert created.status_code == 201, created.text
    return {"phone": phone, **created.json()}


async def _ids(customer: httpx.AsyncClient, **params: str | int) -> list[str]:
    found = await customer.get("/members", params=params, headers=staff_headers("analyst"))
    assert found.status_code == 200, found.text
    return [item["id"] for item in found.json()["items"]]


async def test_q_finds_by_part_of_name_phone_card_and_initial(
    customer: httpx.AsyncClient,
) -> None:
    token = _token()
    shan = await _register(customer, f"单田芳{token}")
    zeng = await _register(customer, f"曾静{token}")
    ouyang = await _register(customer, f"欧阳修{token}")
    latin = await _register(customer, f"Li Lei {token}")
    everyone = [shan["id"], zeng["id"], ouyang["id"], latin["id"]]
    assert await _ids(customer, q=token.upper()) == everyone  # contains, any case
    assert await _ids(customer, q=f"田芳{token}") == [shan["id"]]
    assert await _ids(customer, q=f"li lei {token}") == [latin["id"]]  # prefix
    assert await _ids(customer, q=token[:4] + "%") == []  # % is a character, not a wildcard
    for initial, member in (("S", shan), ("z", zeng), ("O", ouyang), ("l", latin)):
        assert await _ids(customer, name=token, initial=initial) == [member["id"]]
    phone = zeng["phone"]
    spelled = f"+86 ({phone[:3]}) {phone[3:7]}-{phone[7:]}"
    assert await _ids(customer, q=spelled) == [zeng["id"]]
    assert await _ids(customer, q=ouyang["card_number"]) == [ouyang["id"]]
    listed = await customer.get("/members", params={"q": phone}, headers=SERVICE)
    assert listed.json()["items"][0]["phone_masked"] == f"+86 {phone[:3]}****{phone[-4:]}"


async def test_q_of_one_letter_pages_the_initial(customer: httpx.AsyncClient) -> None:
    member = await _register(customer, f"仇英{_token()}")
    seen: list[str] = []
    cursor: str | None = None
    while member["id"] not in seen:
        params: dict[str, str | int] = {"q": "q", "limit": 200}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await customer.get("/members", params=params, headers=SERVICE)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert member["id"] in seen
    assert len(seen) == len(set(seen))


async def test_pages_of_a_name_are_whole_and_in_joining_order(
    customer: httpx.AsyncClient,
) -> None:
    token = _token()
    members = [(await _register(customer, f"王{token}{n}"))["id"] for n in range(5)]
    seen: list[str] = []
    params: dict[str, str | int] = {"q": token, "limit": 2}
    for expected_more in (True, True, False):
        page = (await customer.get("/members", params=params, headers=SERVICE)).json()
        seen += [item["id"] for item in page["items"]]
        assert (page["next_cursor"] is not None) is expected_more
        params["cursor"] = page["next_cursor"]
    assert seen == members


async def test_renaming_moves_the_member_to_its_new_initial_and_pieces(
    customer: httpx.AsyncClient,
) -> None:
    token = _token()
    member = await _register(customer, f"李龘{token}")
    assert member["id"] in await _ids(customer, q="龘", limit=200)  # one character
    assert member["id"] in await _ids(customer, q="李龘", limit=200)  # two
    patched = await customer.patch(
        f"/members/{member['id']}",
        json={"name": f"解靐{token}"},
        headers=SERVICE | {"If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert await _ids(customer, name=token, initial="X") == [member["id"]]
    assert await _ids(customer, name=token, initial="L") == []
    assert member["id"] not in await _ids(customer, q="龘", limit=200)
    assert member["id"] in await _ids(customer, name="靐", initial="x", limit=200)


async def test_bad_search_input_is_a_problem_naming_the_parameter(
    customer: httpx.AsyncClient,
) -> None:
    cases = [
        ({"q": "12345"}, "q"),
        ({"q": "8860000000018"}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"initial": "ab"}, "initial"),
        ({"initial": "李"}, "initial"),
        ({"q": "li", "name": "li"}, "q"),
        ({"q": "l", "phone": "13812345678"}, "q"),
        ({"phone": "13812345678", "initial": "L"}, "initial"),
    ]
    for params, field in cases:
        answer = await customer.get("/members", params=params, headers=SERVICE)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["location"] == f"query.{field}", answer.text


async def test_members_cannot_search(customer: httpx.AsyncClient) -> None:
    member = await _register(customer, f"李{_token()}")
    answer = await customer.get(
        "/members", params={"q": "l"}, headers=member_headers(uuid.UUID(member["id"]))
    )
    assert answer.status_code == 403


async def test_a_long_part_whose_pieces_are_all_common_is_found_by_trigram(
    customer: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token()
    # two decoys have every 2-character piece of the part but not the part itself: the
    # walk reads only them, matches neither, so the trigram index must find the third
    decoys = [f"{token}{end} {token[-1]}z" for end in "ab"]
    _, _, wanted = [await _register(customer, name) for name in (*decoys, f"{token}z")]
    monkeypatch.setattr(repository, "SCAN_CAP", 2)
    assert await _ids(customer, q=f"{token}z") == [wanted["id"]]
    assert await _ids(customer, q=token, limit=2) != []

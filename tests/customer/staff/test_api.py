"""Staff accounts: an admin creates them; staff sign in for a token every service accepts,
carrying their role and store scope; wrong passwords lock an account for a while."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import jwt

from shared.jwks import PublicKeys
from shared.tokens import verify_token
from tests.stack import Stack, every_item, running, staff_headers

PASSWORD = "correct horse battery"


def _login() -> str:
    return f"Staff.{uuid.uuid4().hex[:10]}@Brand.example"


async def _create(customer: httpx.AsyncClient, **body: object) -> dict[str, object]:
    response = await customer.post(
        "/staff",
        json={"login": _login(), "password": PASSWORD, "role": "service"} | body,
        headers=staff_headers("admin"),
    )
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def _published_keys(customer: httpx.AsyncClient, tmp_path: Path) -> PublicKeys:
    """The customer service's JWKS as another service would read it."""
    response = await customer.get("/.well-known/jwks.json")
    assert response.status_code == 200
    path = tmp_path / "customer.jwks.json"
    path.write_text(json.dumps(response.json()))
    return PublicKeys([str(path)], refuse_development=False)


async def test_a_manager_signs_in_for_a_token_naming_role_and_store(
    customer: httpx.AsyncClient, tmp_path: Path
) -> None:
    store, login = uuid.uuid4(), _login()
    created = await _create(customer, login=login, role="manager", store_id=str(store))
    assert created["login"] == login.lower()
    assert "password" not in json.dumps(created)
    signed = await customer.post("/staff/sessions", json={"login": login, "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    answer = signed.json()
    assert (answer["role"], answer["store_id"], answer["expires_in"]) == (
        "manager",
        str(store),
        15 * 60,
    )
    token = answer["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    principal = await verify_token(await _published_keys(customer, tmp_path), token)
    assert (principal.subject, principal.role, principal.store_id) == (
        login.lower(),
        "manager",
        store,
    )
    refused = await customer.get("/staff", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403  # only admins manage staff


async def test_lists_mask_logins_and_one_account_shows_it(customer: httpx.AsyncClient) -> None:
    created = await _create(customer)
    listed = await every_item(customer, "/staff", staff_headers("admin"))
    [mine] = [item for item in listed if item["id"] == created["id"]]
    assert mine["login"].startswith("s****@")
    one = await customer.get(f"/staff/{created['id']}", headers=staff_headers("admin"))
    assert one.json()["login"] == created["login"]
    missing = await customer.get(f"/staff/{uuid.uuid4()}", headers=staff_headers("admin"))
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:huiyuan:problem:staff-not-found"


async def test_bad_accounts_are_refused_naming_the_field(customer: httpx.AsyncClient) -> None:
    created = await _create(customer)
    again = await customer.post(
        "/staff",
        json={"login": str(created["login"]).upper(), "password": PASSWORD, "role": "admin"},
        headers=staff_headers("admin"),
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:huiyuan:problem:staff-login-taken"
    cases = {
        "password": {"login": _login(), "password": "short", "role": "admin"},
        "login": {"login": "has space", "password": PASSWORD, "role": "admin"},
        "role": {"login": _login(), "password": PASSWORD, "role": "owner"},
        "store_id": {
            "login": _login(), "password": PASSWORD, "role": "analyst",
            "store_id": str(uuid.uuid4()),
        },
    }  # fmt: skip
    for field, body in cases.items():
        response = await customer.post("/staff", json=body, headers=staff_headers("admin"))
        assert response.status_code == 422, (field, response.text)
        assert field in json.dumps(response.json()), field
    for role in ("service", "manager"):
        forbidden = await customer.post(
            "/staff", json=cases["password"], headers=staff_headers(role)
        )
        assert forbidden.status_code == 403


async def test_disabled_accounts_and_wrong_passwords_are_refused_alike(
    customer: httpx.AsyncClient,
) -> None:
    created = await _create(customer, role="manager", store_id=str(uuid.uuid4()))
    login = str(created["login"])
    wrong = await customer.post("/staff/sessions", json={"login": login, "password": "nope"})
    unknown = await customer.post("/staff/sessions", json={"login": _login(), "password": "x"})
    changed = await customer.patch(
        f"/staff/{created['id']}",
        json={"role": "service", "disabled": True},
        headers=staff_headers("admin"),
    )
    assert (changed.json()["store_id"], changed.json()["disabled"]) == (None, True)
    disabled = await customer.post("/staff/sessions", json={"login": login, "password": PASSWORD})
    for refused in (wrong, unknown, disabled):
        assert refused.status_code == 401
        assert refused.json()["type"] == "urn:huiyuan:problem:staff-sign-in-refused"
    await customer.patch(
        f"/staff/{created['id']}", json={"disabled": False}, headers=staff_headers("admin")
    )
    back = await customer.post("/staff/sessions", json={"login": login, "password": PASSWORD})
    assert back.json()["role"] == "service"


async def test_wrong_passwords_in_a_row_lock_until_an_admin_sets_a_new_one(stack: Stack) -> None:
    app = stack.app("customer", staff_lockout_failures=2, staff_lockout_minutes=5)
    async with running(app) as customer:
        created = await _create(customer)
        attempt = {"login": str(created["login"]), "password": "wrong password"}
        first = await customer.post("/staff/sessions", json=attempt)
        second = await customer.post("/staff/sessions", json=attempt)
        right = await customer.post("/staff/sessions", json=attempt | {"password": PASSWORD})
        assert (first.status_code, second.status_code, right.status_code) == (401, 429, 429)
        assert 250 < int(right.headers["Retry-After"]) <= 301
        assert right.json()["type"] == "urn:huiyuan:problem:staff-sign-in-locked"
        shown = await customer.get(f"/staff/{created['id']}", headers=staff_headers("admin"))
        assert shown.json()["locked_until"] is not None
        reset = await customer.patch(
            f"/staff/{created['id']}",
            json={"password": "another long password"},
            headers=staff_headers("admin"),
        )
        assert reset.json()["locked_until"] is None
        fresh = {"login": attempt["login"], "password": "another long password"}
        assert (await customer.post("/staff/sessions", json=fresh)).status_code == 201

"""Staff sign-ins: a short access token and a rotating refresh token with reuse detection
(the members' machinery); sign-out, revoke-all, a disabled account, an admin's password
reset and a password change end them; a refresh carries the account's current role."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.errors import PROBLEM_JSON
from shared.tokens import Role
from tests.stack import Stack, running, staff_headers

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse correct"
ADMIN = staff_headers("admin")


def _problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["type"] == f"urn:huiyuan:problem:{slug}"


async def _account(customer: httpx.AsyncClient, **body: object) -> dict[str, Any]:
    login = f"staff.{uuid.uuid4().hex[:10]}@brand.example"
    created = await customer.post(
        "/staff",
        json={"login": login, "password": PASSWORD, "role": "service"} | body,
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    account: dict[str, Any] = created.json()
    return account


async def _sign_in(
    customer: httpx.AsyncClient, account: dict[str, Any], password: str = PASSWORD
) -> dict[str, Any]:
    signed = await customer.post(
        "/staff/sessions", json={"login": account["login"], "password": password}
    )
    assert signed.status_code == 201, signed.text
    tokens: dict[str, Any] = signed.json()
    return tokens


async def _refresh(customer: httpx.AsyncClient, tokens: dict[str, Any]) -> httpx.Response:
    return await customer.post(
        "/staff/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}
    )


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_a_refresh_rotates_carries_the_current_role_and_a_reuse_ends_the_sign_in(
    customer: httpx.AsyncClient,
) -> None:
    account = await _account(customer)
    first = await _sign_in(customer, account)
    assert (first["expires_in"], first["refresh_expires_in"]) == (15 * 60, 12 * 3600)
    assert first["refresh_token"].startswith("hyr_")
    store = uuid.uuid4()
    await customer.patch(
        f"/staff/{account['id']}", json={"role": "manager", "store_id": str(store)}, headers=ADMIN
    )

    second = await _refresh(customer, first)
    assert second.status_code == 200, second.text
    assert (second.json()["role"], second.json()["store_id"]) == ("manager", str(store))
    assert second.json()["refresh_token"] != first["refresh_token"]
    listed = await customer.get("/tickets", headers=_bearer(second.json()))
    assert listed.status_code == 200, listed.text

    _problem(await _refresh(customer, first), 401, "refresh-token-reused")
    # the reuse revoked the whole sign-in, the newer token with it (committed)
    _problem(await _refresh(customer, second.json()), 401, "refresh-token-invalid")


async def test_sign_out_and_revoke_all_end_sign_ins_of_their_kind_only(
    customer: httpx.AsyncClient,
) -> None:
    account = await _account(customer)
    one, two, three = [await _sign_in(customer, account) for _ in range(3)]

    out = await customer.post(
        "/staff/sessions/sign-out", json={"refresh_token": one["refresh_token"]}
    )
    assert out.json() == {"revoked": 1}
    _problem(await _refresh(customer, one), 401, "refresh-token-invalid")
    assert (await _refresh(customer, two)).status_code == 200
    # a staff refresh token is no member's, and the other way round
    member_side = await customer.post(
        "/auth/refresh", json={"refresh_token": three["refresh_token"]}
    )
    _problem(member_side, 401, "refresh-token-invalid")
    again = await customer.post("/auth/sign-out", json={"refresh_token": three["refresh_token"]})
    assert again.json() == {"revoked": 0}

    revoked = await customer.post("/staff/me/revoke-all", headers=_bearer(three))
    assert revoked.json() == {"revoked": 2}, revoked.text
    _problem(await _refresh(customer, three), 401, "refresh-token-invalid")
    four = await _sign_in(customer, account)
    by_admin = await customer.post(f"/staff/{account['id']}/revoke-all", headers=ADMIN)
    assert by_admin.json() == {"revoked": 1}
    _problem(await _refresh(customer, four), 401, "refresh-token-invalid")
    missing = await customer.post(f"/staff/{uuid.uuid4()}/revoke-all", headers=ADMIN)
    _problem(missing, 404, "staff-not-found")
    no_account = await customer.post("/staff/me/revoke-all", headers=staff_headers("service"))
    _problem(no_account, 404, "no-staff-account")


async def test_disabling_an_account_or_resetting_its_password_ends_its_sign_ins(
    customer: httpx.AsyncClient,
) -> None:
    account = await _account(customer)
    before_reset = await _sign_in(customer, account)
    request_id = uuid.uuid4().hex
    reset = await customer.patch(
        f"/staff/{account['id']}",
        json={"password": NEW_PASSWORD},
        headers=ADMIN | {"X-Request-ID": request_id},
    )
    assert reset.status_code == 200, reset.text
    audit = await customer.get("/audit", params={"limit": "200"}, headers=ADMIN)
    (row,) = [r for r in audit.json()["items"] if r["request_id"] == request_id]
    assert (row["actor"], row["route"], row["fields"]) == (
        "test-admin",
        "/staff/{staff_id}",
        ["password"],
    )
    assert NEW_PASSWORD not in audit.text
    _problem(await _refresh(customer, before_reset), 401, "refresh-token-invalid")

    before_disabling = await _sign_in(customer, account, NEW_PASSWORD)
    await customer.patch(f"/staff/{account['id']}", json={"disabled": True}, headers=ADMIN)
    _problem(await _refresh(customer, before_disabling), 401, "refresh-token-invalid")


async def test_staff_change_their_own_password_which_ends_their_other_sign_ins(
    stack: Stack,
) -> None:
    app = stack.app("customer", staff_lockout_failures=2, staff_lockout_minutes=5)
    async with running(app) as customer:
        account = await _account(customer)
        other = await _sign_in(customer, account)
        mine = await _sign_in(customer, account)
        change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}

        short = await customer.post(
            "/staff/me/password", json=change | {"new_password": "short"}, headers=_bearer(mine)
        )
        assert short.status_code == 422, short.text
        assert short.json()["errors"][0]["location"] == "body.new_password"
        wrong = await customer.post(
            "/staff/me/password",
            json=change | {"current_password": "not my password"},
            headers=_bearer(mine),
        )
        _problem(wrong, 403, "staff-current-password-wrong")
        assert wrong.json()["errors"][0]["location"] == "body.current_password"
        request_id = uuid.uuid4().hex
        changed = await customer.post(
            "/staff/me/password", json=change, headers=_bearer(mine) | {"X-Request-ID": request_id}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["role"] == "service"
        audit = await customer.get("/audit", params={"limit": "200"}, headers=ADMIN)
        (row,) = [r for r in audit.json()["items"] if r["request_id"] == request_id]
        assert (row["actor"], row["fields"]) == (
            account["login"],
            ["current_password", "new_password"],
        )
        assert PASSWORD not in audit.text

        for ended in (other, mine):
            _problem(await _refresh(customer, ended), 401, "refresh-token-invalid")
        assert (await _refresh(customer, changed.json())).status_code == 200
        refused = await customer.post(
            "/staff/sessions", json={"login": account["login"], "password": PASSWORD}
        )
        _problem(refused, 401, "staff-sign-in-refused")  # the failure count starts again
        await _sign_in(customer, account, NEW_PASSWORD)

        # a wrong current password counts towards the lockout, as a wrong sign-in does
        again = change | {"current_password": "still not it"}
        latest = await _sign_in(customer, account, NEW_PASSWORD)
        first = await customer.post("/staff/me/password", json=again, headers=_bearer(latest))
        second = await customer.post("/staff/me/password", json=again, headers=_bearer(latest))
        assert (first.status_code, second.status_code) == (403, 429)
        _problem(second, 429, "staff-sign-in-locked")
        locked = await customer.post(
            "/staff/sessions", json={"login": account["login"], "password": NEW_PASSWORD}
        )
        _problem(locked, 429, "staff-sign-in-locked")


@pytest.mark.parametrize("role", ["admin", "analyst"])
async def test_a_token_of_no_account_has_no_password_to_change(
    customer: httpx.AsyncClient, role: Role
) -> None:
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    answer = await customer.post("/staff/me/password", json=change, headers=staff_headers(role))
    _problem(answer, 404, "no-staff-account")

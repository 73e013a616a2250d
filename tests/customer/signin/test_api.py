"""Member sign-in by SMS code over HTTP, against the real database: codes hashed and
spent once, 5 wrong tries lock a code, expiry, resend limits per phone and per address,
sign-up through the registration path, refresh rotation with reuse detection, sign-out
and revoke-all; the code event carries neither the phone nor the code in clear."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from services.customer.signin.models import SigninCode
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.settings import DEV_PII_KEY
from tests.customer.conftest import new_phone
from tests.signin_codes import code_envelopes
from tests.stack import Stack, member_headers, running, staff_headers

CIPHER = PiiCipher(DEV_PII_KEY)
ADMIN, SERVICE = staff_headers("admin"), staff_headers("service")
CODE_EVENT = "customer.signin.code_requested"
ROOMY = {"signin_codes_per_phone": "20/minute", "signin_codes_per_address": "10000/hour"}


@pytest.fixture(scope="module")
async def app(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The customer app with limits no test here reaches but the limits' own, and an
    open joining policy (members may sign themselves up)."""
    async with running(stack.app("customer", **ROOMY)) as client:
        policy = {"admits": ["open"], "card_fee_fen": 0}
        opened = await client.put("/program/joining-policy", json=policy, headers=ADMIN)
        assert opened.status_code == 200, opened.text
        yield client


async def _code_events(sessions: Sessions, phone: str) -> list[dict[str, Any]]:
    """The envelopes of the code events sent to ``phone`` (typed as in :func:`new_phone`),
    oldest first."""
    return await code_envelopes(sessions, f"+86{phone}")


async def _sent_code(sessions: Sessions, phone: str) -> str:
    """The code of the newest event for ``phone``, as messaging decrypts it."""
    events = await _code_events(sessions, phone)
    return CIPHER.decrypt(events[-1]["data"]["code_encrypted"])


async def _ask(client: httpx.AsyncClient, phone: str, purpose: str = "sign_in") -> None:
    answer = await client.post("/auth/sms-codes", json={"phone": phone, "purpose": purpose})
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "accepted", "expires_in": 300}


async def _member(client: httpx.AsyncClient, phone: str) -> str:
    created = await client.post(
        "/members", json={"name": "韩梅梅", "phone": phone}, headers=SERVICE
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _signed_in(client: httpx.AsyncClient, sessions: Sessions, phone: str) -> dict[str, Any]:
    await _ask(client, phone)
    code = await _sent_code(sessions, phone)
    answer = await client.post("/auth/sessions", json={"phone": phone, "code": code})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_a_member_signs_in_with_the_code_sent_and_the_token_reads_their_profile(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    member_id = await _member(app, phone)
    pair = await _signed_in(app, customer_sessions, phone)
    assert (pair["member_id"], pair["created"], pair["token_type"]) == (member_id, False, "Bearer")
    assert (pair["expires_in"], pair["refresh_expires_in"]) == (900, 30 * 86400)
    assert pair["refresh_token"].startswith("hyr_")
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    profile = await app.get(f"/members/{member_id}", headers=bearer)
    assert profile.status_code == 200, profile.text
    assert profile.json()["phone"] == f"+86{phone}"
    other = await app.get(f"/members/{await _member(app, new_phone())}", headers=bearer)
    assert other.status_code == 403
    again = await app.post("/auth/sessions", json={"phone": phone, "code": "000000"})
    assert again.json()["type"] == "urn:huiyuan:problem:signin-code-invalid"


async def test_a_new_phone_signs_up_through_registration_with_its_consent_as_the_members(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _ask(app, phone, "sign_in")
    assert await _code_events(customer_sessions, phone) == []  # no member: nothing sent
    await _ask(app, phone, "sign_up")
    [event] = await _code_events(customer_sessions, phone)
    code = CIPHER.decrypt(event["data"]["code_encrypted"])
    needed = await app.post("/auth/sessions", json={"phone": phone, "code": code})
    assert needed.status_code == 422
    assert needed.json()["type"] == "urn:huiyuan:problem:sign-up-needed"
    assert needed.json()["errors"][0]["location"] == "body.sign_up"
    sign_up = {"name": "李雷", "locale": "en", "consent": {"sms": True, "email": False}}
    joined = await app.post(
        "/auth/sessions", json={"phone": phone, "code": code, "sign_up": sign_up}
    )
    assert joined.status_code == 201, joined.text
    assert joined.json()["created"] is True
    member_id = joined.json()["member_id"]
    assert member_id == event["data"]["member_id"]  # the id the SMS was addressed to
    profile = (await app.get(f"/members/{member_id}", headers=SERVICE)).json()
    assert (profile["name"], profile["phone"], profile["locale"]) == ("李雷", f"+86{phone}", "en")
    sms = profile["consent_record"]["sms"]
    assert (sms["consented"], sms["changed_by"]) == (True, "member")
    assert sms["actor"] == f"member:{member_id}"
    await _ask(app, phone, "sign_up")  # a member now: the code signs them in
    code = await _sent_code(customer_sessions, phone)
    back = await app.post("/auth/sessions", json={"phone": phone, "code": code, "sign_up": sign_up})
    assert (back.status_code, back.json()["member_id"], back.json()["created"]) == (
        201,
        member_id,
        False,
    )


async def test_five_wrong_codes_lock_the_code_even_for_the_right_one(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _member(app, phone)
    await _ask(app, phone)
    code = await _sent_code(customer_sessions, phone)
    for left in (4, 3, 2, 1, 0):
        wrong = await app.post("/auth/sessions", json={"phone": phone, "code": _wrong(code)})
        assert wrong.status_code == 401
        assert wrong.json()["type"] == "urn:huiyuan:problem:signin-code-invalid"
        assert f"({left} {'try' if left == 1 else 'tries'} left)" in wrong.json()["detail"]
    locked = await app.post("/auth/sessions", json={"phone": phone, "code": code})
    assert locked.status_code == 401
    assert locked.json()["type"] == "urn:huiyuan:problem:signin-code-locked"
    await _ask(app, phone)  # a new code works
    fresh = await app.post(
        "/auth/sessions", json={"phone": phone, "code": await _sent_code(customer_sessions, phone)}
    )
    assert fresh.status_code == 201, fresh.text


async def test_an_expired_code_no_longer_signs_in(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _member(app, phone)
    await _ask(app, phone)
    code = await _sent_code(customer_sessions, phone)
    async with customer_sessions() as session, session.begin():
        await session.execute(
            update(SigninCode)
            .where(SigninCode.phone_hash == CIPHER.phone_hash(phone))  # type: ignore[arg-type]
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = await app.post("/auth/sessions", json={"phone": phone, "code": code})
    assert expired.status_code == 401
    assert expired.json()["type"] == "urn:huiyuan:problem:signin-code-invalid"


async def test_codes_past_the_limit_per_phone_or_address_are_429_with_retry_after(
    stack: Stack, customer_sessions: Sessions
) -> None:
    limited = {"signin_codes_per_phone": "2/hour", "signin_codes_per_address": "4/hour"}
    async with running(stack.app("customer", **limited)) as client:
        phone = new_phone()
        await _member(client, phone)
        await _ask(client, phone)
        await _ask(client, phone)
        refused = await client.post("/auth/sms-codes", json={"phone": phone})
        assert refused.status_code == 429
        assert refused.json()["type"] == "urn:huiyuan:problem:signin-codes-limited"
        assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
        assert len(await _code_events(customer_sessions, phone)) == 2
        await _ask(client, new_phone(), "sign_up")  # another phone: the address's third
        await _ask(client, new_phone())  # its fourth
        last = await client.post("/auth/sms-codes", json={"phone": new_phone()})
        assert last.status_code == 429
        assert int(last.headers["Retry-After"]) > 0


async def test_a_refresh_rotates_and_a_reused_token_revokes_the_whole_sign_in(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _member(app, phone)
    first = await _signed_in(app, customer_sessions, phone)
    second = await app.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    newer = second.json()
    assert newer["refresh_token"] != first["refresh_token"]
    assert newer["member_id"] == first["member_id"]
    profile = await app.get(
        f"/members/{newer['member_id']}",
        headers={"Authorization": f"Bearer {newer['access_token']}"},
    )
    assert profile.status_code == 200
    reused = await app.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["type"] == "urn:huiyuan:problem:refresh-token-reused"
    revoked = await app.post("/auth/refresh", json={"refresh_token": newer["refresh_token"]})
    assert revoked.status_code == 401
    assert revoked.json()["type"] == "urn:huiyuan:problem:refresh-token-invalid"
    other = await _signed_in(app, customer_sessions, phone)  # another sign-in is untouched
    assert (
        await app.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    ).is_success


async def test_sign_out_revokes_that_sign_in_only(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _member(app, phone)
    phone_one, laptop = (
        await _signed_in(app, customer_sessions, phone),
        await _signed_in(app, customer_sessions, phone),
    )
    out = await app.post("/auth/sign-out", json={"refresh_token": phone_one["refresh_token"]})
    assert (out.status_code, out.json()) == (200, {"revoked": 1})
    gone = await app.post("/auth/refresh", json={"refresh_token": phone_one["refresh_token"]})
    assert gone.json()["type"] == "urn:huiyuan:problem:refresh-token-invalid"
    kept = await app.post("/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    assert kept.status_code == 200
    unknown = {"refresh_token": "hyr_" + "A" * 43}
    assert (await app.post("/auth/sign-out", json=unknown)).json() == {"revoked": 0}
    again = await app.post("/auth/sign-out", json={"refresh_token": phone_one["refresh_token"]})
    assert again.json() == {"revoked": 0}
    bad = await app.post("/auth/sign-out", json={"refresh_token": "nope"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "body.refresh_token"


async def test_revoke_all_by_the_member_or_the_desk_ends_every_sign_in(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    member_id = await _member(app, phone)
    pairs = [await _signed_in(app, customer_sessions, phone) for _ in range(2)]
    own = member_headers(uuid.UUID(member_id))
    done = await app.post("/auth/revoke-all", json={}, headers=own)
    assert (done.status_code, done.json()) == (200, {"revoked": 2})
    for pair in pairs:
        refused = await app.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refused.status_code == 401
    again = await _signed_in(app, customer_sessions, phone)
    desk = await app.post("/auth/revoke-all", json={"member_id": member_id}, headers=SERVICE)
    assert desk.json() == {"revoked": 1}
    stale = await app.post("/auth/refresh", json={"refresh_token": again["refresh_token"]})
    assert stale.status_code == 401
    nameless = await app.post("/auth/revoke-all", json={}, headers=SERVICE)
    assert nameless.status_code == 422
    assert nameless.json()["errors"][0]["location"] == "body.member_id"
    stranger = member_headers(uuid.uuid4())
    other = await app.post("/auth/revoke-all", json={"member_id": member_id}, headers=stranger)
    assert other.status_code == 403
    analyst = await app.post(
        "/auth/revoke-all", json={"member_id": member_id}, headers=staff_headers("analyst")
    )
    assert analyst.status_code == 403
    assert (await app.post("/auth/revoke-all", json={})).status_code == 401


async def test_the_code_event_and_row_hold_neither_phone_nor_code_in_clear(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _member(app, phone)
    await _ask(app, phone)
    [event] = await _code_events(customer_sessions, phone)
    code = CIPHER.decrypt(event["data"]["code_encrypted"])
    text = json.dumps(event, ensure_ascii=False)
    assert phone not in text
    assert phone[-8:] not in text
    readable = {k: v for k, v in event["data"].items() if not k.endswith("_encrypted")}
    assert code not in json.dumps(readable)
    assert code not in json.dumps({k: v for k, v in event.items() if k != "data"})
    assert event["data"]["code_encrypted"] != code
    async with customer_sessions() as session:
        row = (
            await session.scalars(
                select(SigninCode).where(SigninCode.phone_hash == CIPHER.phone_hash(phone))  # type: ignore[arg-type]
            )
        ).one()
    assert code not in row.code_hash
    assert phone not in row.phone_hash
    assert row.code_hash == CIPHER.lookup_hash(f"signin-code:{row.id}:{code}")


async def test_sign_up_is_closed_while_the_joining_policy_admits_at_stores_only(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    closed = {"admits": ["earlier_customer"], "card_fee_fen": 0}
    assert (await app.put("/program/joining-policy", json=closed, headers=ADMIN)).is_success
    try:
        phone = new_phone()
        await _ask(app, phone, "sign_up")
        assert await _code_events(customer_sessions, phone) == []
    finally:
        opened = {"admits": ["open"], "card_fee_fen": 0}
        assert (await app.put("/program/joining-policy", json=opened, headers=ADMIN)).is_success


async def test_two_refreshes_of_one_token_at_once_are_one_rotation_and_one_reuse(
    app: httpx.AsyncClient, customer_sessions: Sessions
) -> None:
    phone = new_phone()
    await _member(app, phone)
    pair = await _signed_in(app, customer_sessions, phone)
    body = {"refresh_token": pair["refresh_token"]}
    answers = await asyncio.gather(*(app.post("/auth/refresh", json=body) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 401]
    [winner] = [a.json() for a in answers if a.status_code == 200]
    late = await app.post("/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    assert late.status_code == 401  # the reuse revoked the sign-in, the winner's token too

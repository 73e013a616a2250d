"""Profile changes over the broker, to the real SMTP server and SMS gateway: a member who
withdraws consent or is deactivated gets nothing more, and a changed phone number gets the
next message."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from services.messaging.contacts.models import Contact
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.settings import DEV_PII_KEY
from tests.e2e.conftest import System
from tests.e2e.test_purchase_flow import ADMIN, _member, _ok, _program, _purchase
from tests.e2e.test_purchase_flow import _store_key as _store
from tests.stack import eventually, member_headers

EARNED = "本次消费获得"
"""In the SMS of points earned (zh-CN)."""


def _received(system: System, member: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The texts of the SMS to the member's phone and of the emails to their address."""
    inbox = system.providers.inbox()
    sms = [message.text for message in inbox.sms if message.to == member["phone"]]
    emails = [mail.subject + mail.text for mail in inbox.emails if member["email"] in mail.rcpt_tos]
    return sms, emails


async def _contact(sessions: Sessions, member_id: str) -> Contact | None:
    async with sessions() as session:
        return await session.get(Contact, uuid.UUID(member_id))


async def _notified(system: System, member_id: str, template: str) -> list[dict[str, Any]]:
    listed = await system["messaging"].get(f"/members/{member_id}/notifications", headers=ADMIN)
    return [n for n in _ok(listed)["items"] if n["template"] == template]


async def _withdraw_consent(system: System, member: dict[str, Any]) -> None:
    url, consent = f"/members/{member['id']}/consent", {"sms": False, "email": False}
    _ok(await system["customer"].put(url, json=consent, headers=member_headers(member["id"])))


async def _deactivate(system: System, member: dict[str, Any]) -> None:
    _ok(await system["customer"].post(f"/members/{member['id']}/deactivate", headers=ADMIN))


def _unreachable(contact: Contact) -> bool:
    return not contact.active or not (contact.consent_sms or contact.consent_email)


async def _stopped(
    system: System,
    messaging_sessions: Sessions,
    stop: Callable[[System, dict[str, Any]], Awaitable[None]],
) -> tuple[str, dict[str, Any]]:
    """A welcomed member, then ``stop``ped, once messaging has applied it: the store key
    and the member."""
    await _program(system)
    key = await _store(system)
    member = await _member(system)

    async def welcomed() -> bool:
        sms, emails = _received(system, member)
        return len(sms) == 1 and len(emails) == 1

    await eventually(welcomed, timeout=20)
    await stop(system, member)

    async def applied() -> bool:
        contact = await _contact(messaging_sessions, member["id"])
        return contact is not None and _unreachable(contact)

    await eventually(applied, timeout=20)
    return key, member


def _welcome_only(system: System, member: dict[str, Any]) -> None:
    sms, emails = _received(system, member)
    assert (len(sms), len(emails)) == (1, 1)  # the welcome only
    assert "欢迎加入会员" in sms[0]


async def test_a_member_who_withdraws_consent_is_sent_nothing_more(
    system: System, messaging_sessions: Sessions
) -> None:
    key, member = await _stopped(system, messaging_sessions, _withdraw_consent)
    await _purchase(system, key, member, price_fen=50_000)

    async def earned() -> list[dict[str, Any]] | None:
        notices = await _notified(system, member["id"], "points_earned")
        return notices if len(notices) == 2 else None

    notices = await eventually(earned, timeout=20)
    assert {(n["channel"], n["status"]) for n in notices} == {
        ("sms", "suppressed"),
        ("email", "suppressed"),
    }
    _welcome_only(system, member)


async def test_a_deactivated_member_is_named_at_no_till_and_sent_nothing_more(
    system: System, messaging_sessions: Sessions
) -> None:
    key, member = await _stopped(system, messaging_sessions, _deactivate)
    body = {
        "card_number": member["card_number"],
        "lines": [
            {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 1, "unit_price_fen": 50_000}
        ],
    }

    async def refused() -> bool:  # once orders has applied the deactivation too
        response = await system["orders"].post(
            "/purchases", json=body, headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex}
        )
        assert response.status_code in (201, 422), response.text
        return response.status_code == 422 and "unknown-member" in response.text

    await eventually(refused, timeout=20)
    # a sale the till made before orders applied it earned: its notices are suppressed
    notices = await _notified(system, member["id"], "points_earned")
    assert {n["status"] for n in notices} <= {"suppressed"}
    _welcome_only(system, member)


async def test_the_next_message_goes_to_the_changed_phone(
    system: System, messaging_sessions: Sessions
) -> None:
    await _program(system)
    key = await _store(system)
    member = await _member(system)
    url = f"/members/{member['id']}"
    etag = (await system["customer"].get(url, headers=ADMIN)).headers["etag"]
    new_phone = f"+86135{uuid.uuid4().int % 10**8:08d}"
    patch = {"phone": new_phone[3:]}
    _ok(await system["customer"].patch(url, json=patch, headers=ADMIN | {"If-Match": etag}))

    async def moved() -> bool:
        contact = await _contact(messaging_sessions, member["id"])
        return contact is not None and (
            PiiCipher(DEV_PII_KEY).decrypt(contact.phone_encrypted) == new_phone
        )

    await eventually(moved, timeout=20)
    await _purchase(system, key, member, price_fen=50_000)

    async def told() -> list[str] | None:
        texts = [m.text for m in system.providers.inbox().sms if m.to == new_phone]
        return texts if any(EARNED in text for text in texts) else None

    await eventually(told, timeout=20)
    old_sms, _ = _received(system, member)
    assert not any(EARNED in text for text in old_sms)

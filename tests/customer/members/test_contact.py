"""``GET /members/{id}/contact``: a member's contact for the services that keep a copy (events
carry ids only), read with their own service tokens, audited as an unmasked read; and the
one client of it (:mod:`shared.contacts`) against the real customer app over HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

import httpx
import pytest

from huiyuan.embedded.ports import free_port
from shared.contacts import ContactUnavailable, MemberContacts
from shared.jwks import development_signer
from shared.keys import LOYALTY_ISSUER, MESSAGING_ISSUER, service_issuer
from shared.tokens import issue_token
from tests.customer.conftest import new_phone
from tests.server import serving
from tests.stack import Stack, member_headers, running, staff_headers


def service_headers(service: str) -> dict[str, str]:
    """A service token the service signs itself with its own (development) ring."""
    signer = development_signer(service_issuer(service))
    return {"Authorization": f"Bearer {issue_token(signer, subject=service, role='service')}"}


async def _register(client: httpx.AsyncClient, phone: str) -> uuid.UUID:
    created = await client.post(
        "/members",
        json={
            "name": "韩梅梅",
            "phone": phone,
            "email": "Meimei.Han@Example.com",
            "birthday": "1991-02-28",
            "gender": "female",
            "locale": "en",
        },
        headers=staff_headers("service"),
    )
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"])


async def test_a_service_reads_the_contact_in_clear_and_the_read_is_audited(
    stack: Stack,
) -> None:
    async with running(stack.app("customer")) as client:
        phone = new_phone()
        member_id = await _register(client, phone)
        read = await client.get(f"/members/{member_id}/contact", headers=service_headers("loyalty"))
        assert read.status_code == 200, read.text
        assert read.json() == {
            "member_id": str(member_id),
            "name": "韩梅梅",
            "phone": f"+86{phone}",
            "email": "Meimei.Han@example.com",
            "birthday": "1991-02-28",
            "gender": "female",
            "locale": "en",
            "version": 1,
        }
        audit = await client.get(
            "/audit",
            params={"member_id": str(member_id), "kind": "read"},
            headers=staff_headers("admin"),
        )
        (entry,) = audit.json()["items"]
        assert (entry["actor"], entry["actor_role"], entry["operation"]) == (
            "loyalty",
            "service",
            "member.contact",
        )


@pytest.mark.parametrize("who", ["marketing", "analyst", "member"])
async def test_only_services_read_contacts(
    stack: Stack, who: Literal["marketing", "analyst", "member"]
) -> None:
    """(Admin reads everything, as everywhere.)"""
    async with running(stack.app("customer")) as client:
        member_id = await _register(client, new_phone())
        headers = member_headers(member_id) if who == "member" else staff_headers(who)
        refused = await client.get(f"/members/{member_id}/contact", headers=headers)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"


async def test_an_unknown_member_is_a_404_problem_naming_the_id(stack: Stack) -> None:
    async with running(stack.app("customer")) as client:
        unknown = uuid.uuid4()
        response = await client.get(
            f"/members/{unknown}/contact", headers=service_headers("messaging")
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert str(unknown) in response.json()["detail"]


async def test_the_client_fetches_over_http_with_one_token_and_knows_gone_from_down(
    stack: Stack,
) -> None:
    app = stack.app("customer")
    async with running(app) as client, serving(app, lifespan="off") as url:
        phone = new_phone()
        member_id = await _register(client, phone)
        contacts = MemberContacts(url, development_signer(MESSAGING_ISSUER), "messaging", 5.0)
        contact = await contacts.fetch(member_id)
        assert contact is not None
        assert (contact.phone, contact.birthday, contact.locale) == (
            f"+86{phone}",
            date(1991, 2, 28),
            "en",
        )
        first = contacts._bearer()
        assert await contacts.fetch(uuid.uuid4()) is None  # unknown: nothing to keep
        assert contacts._bearer() == first  # one token serves every call
        # a token signed with another service's ring is that service's, not messaging's
        loyalty = MemberContacts(url, development_signer(LOYALTY_ISSUER), "loyalty", 5.0)
        assert await loyalty.fetch(member_id) == contact
    down = MemberContacts(f"http://127.0.0.1:{free_port()}", contacts._signer, "messaging", 1.0)
    with pytest.raises(ContactUnavailable):
        await down.fetch(member_id)


async def test_a_customer_refusing_the_token_is_unavailable_not_gone(stack: Stack) -> None:
    """An identity token (customer's own issuer) may name any role, but a ring no verifier
    knows is refused (401): the event is retried, never taken for an erased member."""
    app = stack.app("customer")
    async with running(app), serving(app, lifespan="off") as url:
        stranger = development_signer("huiyuan-stranger")
        with pytest.raises(ContactUnavailable, match="401"):
            await MemberContacts(url, stranger, "stranger", 5.0).fetch(uuid.uuid4())


async def test_an_erased_member_is_gone_and_the_client_keeps_nothing(stack: Stack) -> None:
    """After an erasure the read is 410, and the client answers ``None`` (nothing to keep,
    the event done) rather than raising (which would retry the event for ever)."""
    app = stack.app("customer")
    async with running(app) as client, serving(app, lifespan="off") as url:
        member_id = await _register(client, new_phone())
        erased = await client.post(
            f"/members/{member_id}/erasure",
            headers=staff_headers("admin") | {"Idempotency-Key": f"erase-{uuid.uuid4()}"},
        )
        assert erased.status_code == 202, erased.text
        gone = await client.get(f"/members/{member_id}/contact", headers=service_headers("loyalty"))
        assert gone.status_code == 410, gone.text
        assert gone.headers["content-type"] == "application/problem+json"
        contacts = MemberContacts(url, development_signer(LOYALTY_ISSUER), "loyalty", 5.0)
        assert await contacts.fetch(member_id) is None

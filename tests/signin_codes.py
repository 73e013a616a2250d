"""The sign-in code events customer's outbox holds for one phone, as the tests of customer,
messaging and the whole system read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.customer.base import outbox
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.events.customer import SigninCodeRequested
from shared.settings import DEV_PII_KEY

CIPHER = PiiCipher(DEV_PII_KEY)


async def code_envelopes(sessions: Sessions, phone: str) -> list[dict[str, Any]]:
    """The envelopes of ``customer.signin.code_requested`` sent to ``phone`` (E.164), oldest
    first. Rows of members another test erased on the same worker have lost their phone
    (``shared.privacy.scrub_retained``) and are skipped, not read as a ``KeyError``."""
    table = outbox.table
    query = (
        select(table.c.envelope)
        .where(table.c.event_type == SigninCodeRequested.event_type)
        .order_by(table.c.seq)
    )
    async with sessions() as session:
        envelopes = list(await session.scalars(query))
    return [
        e
        for e in envelopes
        if "phone_encrypted" in e["data"] and CIPHER.decrypt(e["data"]["phone_encrypted"]) == phone
    ]

"""phones as E.164, and customer.member.updated for every lookup hash that changed

Members registered before phone numbers were kept as E.164 have their number encrypted as
digits (``13812345678``, ``447400123456``) and their lookup hash over those digits, so a
lookup by phone, which hashes E.164, no longer finds them, nor do orders and messaging,
which keep copies of the hash. For each such member this revision decrypts the number,
converts it (``shared.crypto.e164_of_stored``: 11 digits starting 13-19 are a mainland
mobile, anything else carried its country code), stores the E.164 form encrypted and its
new hash, and queues ``customer.member.updated`` (changed: phone, phone_hash) in customer's
outbox in the same transaction. The relay publishes those once the service starts, and
orders (member directory) and messaging (contacts) update their copies (messaging reads
the new number from customer: events carry ids only since they stopped carrying a phone).

Kept as they were, never failing the upgrade, counted and logged with their member ids:

* a stored number that is not a valid mobile number (``phonenumbers`` refuses it, or it is a
  fixed line): it cannot be found by phone until someone corrects it;
* a number whose E.164 form another member already has (the same number registered once
  before and once after this release, or two spellings of it stored before): the member
  who has it keeps it, the other cannot be found by phone until the two are reconciled.

Numbers already in E.164 (registered by the release that introduced it) keep their hash
and get no event. The key is the customer service's ``pii_key``
(``CUSTOMER_PII_KEY``, else ``HUIYUAN_PII_KEY``), read as the service reads it; if it does
not decrypt a stored number, the upgrade stops with nothing changed, as the key is wrong.

Revision ID: 5b0cbf95872c
Revises: b8d4e2f6a1c9
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import InvalidToken
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row

from services.customer.base import emit
from services.customer.config import Settings
from shared.crypto import PiiCipher, RehashedPhone
from shared.events.customer import MemberUpdated
from shared.inputs import PhoneNumberError

revision: str = "5b0cbf95872c"
down_revision: str | None = "b8d4e2f6a1c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

BATCH = 1000
LOGGED_IDS = 50

# the tables as they are at this revision, whatever the models say later
members = sa.table(
    "members",
    sa.column("id", sa.Uuid()),
    sa.column("card_serial", sa.BigInteger()),
    sa.column("phone_encrypted", sa.String()),
    sa.column("phone_hash", sa.String()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    schema="customer",
)
outbox = sa.table(
    "outbox",
    sa.column("event_id", sa.String()),
    sa.column("event_type", sa.String()),
    sa.column("topic", sa.String()),
    sa.column("key", sa.String()),
    sa.column("envelope", postgresql.JSONB()),
    schema="customer",
)


class Report:
    """What the conversion did. (A plain class: Alembic loads a revision outside
    ``sys.modules``, where a dataclass cannot resolve its annotations.)"""

    def __init__(self) -> None:
        self.converted = 0
        self.already_e164 = 0
        self.invalid: list[uuid.UUID] = []
        self.taken: list[uuid.UUID] = []

    def log(self) -> None:
        log.info(
            "customer phones as E.164: %d converted (as many customer.member.updated queued), "
            "%d already E.164",
            self.converted,
            self.already_e164,
        )
        if self.invalid:
            log.warning(
                "customer phones as E.164: %d members kept their stored number, which is not a "
                "valid mobile number; they cannot be found by phone until it is corrected: %s",
                len(self.invalid),
                _ids(self.invalid),
            )
        if self.taken:
            log.warning(
                "customer phones as E.164: %d members kept their stored number, as another "
                "member already has it in E.164; they cannot be found by phone until the two "
                "are reconciled: %s",
                len(self.taken),
                _ids(self.taken),
            )


def _ids(ids: list[uuid.UUID]) -> str:
    shown = ", ".join(str(member_id) for member_id in ids[:LOGGED_IDS])
    return shown + (f" and {len(ids) - LOGGED_IDS} more" if len(ids) > LOGGED_IDS else "")


def _rehash(cipher: PiiCipher, row: Row[uuid.UUID, int, str, str]) -> RehashedPhone | None:
    try:
        return cipher.rehash_phone(row.phone_encrypted)
    except InvalidToken as wrong_key:
        raise RuntimeError(
            f"The customer service's pii_key (CUSTOMER_PII_KEY or HUIYUAN_PII_KEY) does not "
            f"decrypt the phone number of member {row.id}: set the key the service has been "
            "running with and upgrade again. Nothing was changed."
        ) from wrong_key
    except PhoneNumberError:
        return None


def _convert(
    connection: Connection,
    cipher: PiiCipher,
    rows: Sequence[Row[uuid.UUID, int, str, str]],
    now: datetime,
    report: Report,
) -> None:
    """Converts one batch of members, in joining order."""
    changes: dict[str, tuple[uuid.UUID, RehashedPhone]] = {}  # by new hash
    for row in rows:
        rehashed = _rehash(cipher, row)
        if rehashed is None:
            report.invalid.append(row.id)
        elif rehashed.lookup_hash == row.phone_hash:
            report.already_e164 += 1
        elif rehashed.lookup_hash in changes:  # two spellings of one number in this batch
            report.taken.append(row.id)
        else:
            changes[rehashed.lookup_hash] = (row.id, rehashed)
    if not changes:
        return
    holders = connection.scalars(
        sa.select(members.c.phone_hash).where(members.c.phone_hash.in_(list(changes)))
    )
    for held in holders:
        report.taken.append(changes.pop(held)[0])
    if not changes:
        return
    connection.execute(
        sa.update(members)
        .where(members.c.id == sa.bindparam("member_id"))
        .values(
            phone_encrypted=sa.bindparam("encrypted"),
            phone_hash=sa.bindparam("lookup_hash"),
            updated_at=now,
        ),
        [
            {"member_id": member_id, "encrypted": new.encrypted, "lookup_hash": new.lookup_hash}
            for member_id, new in changes.values()
        ],
    )
    events = [
        emit.envelope(
            MemberUpdated(
                member_id=member_id,
                changed=("phone", "phone_hash"),
                phone_hash=new.lookup_hash,
                updated_at=now,
            )
        )
        for member_id, new in changes.values()
    ]
    connection.execute(
        sa.insert(outbox),
        [
            {
                "event_id": event.id,
                "event_type": event.type,
                "topic": event.topic,
                "key": event.key,
                "envelope": event.model_dump(mode="json"),
            }
            for event in events
        ],
    )
    report.converted += len(changes)


def upgrade() -> None:
    connection = op.get_bind()
    cipher = PiiCipher(Settings().pii_key.get_secret_value())
    now = datetime.now(UTC)
    report = Report()
    after = 0
    while rows := connection.execute(
        sa.select(
            members.c.id, members.c.card_serial, members.c.phone_encrypted, members.c.phone_hash
        )
        .where(members.c.card_serial > after)
        .order_by(members.c.card_serial)
        .limit(BATCH)
    ).all():
        _convert(connection, cipher, rows, now, report)
        after = rows[-1].card_serial
    report.log()


def downgrade() -> None:
    # Nothing to undo: the code of the previous revision already reads and writes E.164
    # and hashes it, and the events it caused are published or will be.
    pass

"""What the local mail catcher and SMS gateway received, kept as JSON lines under one dir.

A repeat is kept and counted, not hidden: an email whose Message-ID was already received
is stored again (a real MTA delivers both) with ``repeat_of`` naming the first copy, and
an SMS replayed with an ``Idempotency-Key`` already accepted (which the gateway absorbs)
leaves a line in ``sms_replays.jsonl``. The fault checker counts both.

Every record is flushed and fsynced before the sender gets its reply, so a killed
process loses nothing it acknowledged. A kill in the middle of a write can leave a
partial last line; readers skip it and the next append starts on a fresh line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EMAILS_FILE = "emails.jsonl"
SMS_FILE = "sms.jsonl"
SMS_REPLAYS_FILE = "sms_replays.jsonl"
MAIL_DIR = "mail"


@dataclass(frozen=True)
class ReceivedEmail:
    id: str
    received_at: str
    mail_from: str
    rcpt_tos: list[str]
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    repeat_of: str | None = None
    """The id of the first email received with the same Message-ID, if this is a repeat."""

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReceivedSms:
    id: str
    received_at: str
    to: str
    text: str
    sign: str
    idempotency_key: str | None = None
    provider: str = "primary"
    """Which of the local gateway's providers took it (records from before say none)."""

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SmsReplay:
    """A send the gateway absorbed: its ``Idempotency-Key`` had already been accepted as
    the message ``message_id``."""

    received_at: str
    idempotency_key: str
    message_id: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Repeats:
    """What reached a local provider more than once, oldest first."""

    emails: list[ReceivedEmail]
    sms: list[SmsReplay]

    def counts(self) -> dict[str, int]:
        return {"emails": len(self.emails), "sms": len(self.sms)}


@dataclass(frozen=True)
class Inbox:
    """Everything received, oldest first."""

    emails: list[ReceivedEmail]
    sms: list[ReceivedSms]


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


def eml_path(store_dir: Path, email_id: str) -> Path:
    return store_dir / MAIL_DIR / f"{email_id}.eml"


def write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as output:
        output.write(data)
        output.flush()
        os.fsync(output.fileno())


def append_record(path: Path, record: Mapping[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as output:
        if output.tell() > 0:
            output.seek(-1, os.SEEK_END)
            if output.read(1) != b"\n":
                line = b"\n" + line
        output.write(line)
        output.flush()
        os.fsync(output.fileno())


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records: list[dict[str, Any]] = []
    with path.open("rb") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                log.warning("skipping unreadable line %d of %s", number, path)
    return records


def read_emails(store_dir: Path) -> list[ReceivedEmail]:
    return [ReceivedEmail(**record) for record in read_records(store_dir / EMAILS_FILE)]


def read_sms(store_dir: Path) -> list[ReceivedSms]:
    return [ReceivedSms(**record) for record in read_records(store_dir / SMS_FILE)]


def read_sms_replays(store_dir: Path) -> list[SmsReplay]:
    return [SmsReplay(**record) for record in read_records(store_dir / SMS_REPLAYS_FILE)]


def read_repeats(store_dir: Path) -> Repeats:
    emails = [email for email in read_emails(store_dir) if email.repeat_of is not None]
    return Repeats(emails=emails, sms=read_sms_replays(store_dir))


def read_inbox(store_dir: Path) -> Inbox:
    return Inbox(emails=read_emails(store_dir), sms=read_sms(store_dir))

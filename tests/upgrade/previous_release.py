"""What the previous release left behind: its dumps, and its answers while it made them.

``previous_release.json`` is ``record_previous_release.py``'s record (README.md); the
requests come from that script, so a retry here sends exactly what the store sent then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.upgrade import record_previous_release as session

HERE = Path(__file__).parent
DATA_SQL = HERE / "previous_release.sql"
SCHEMA_SQL = HERE / "previous_release_schema.sql"
RECORD: dict[str, Any] = json.loads((HERE / "previous_release.json").read_text())

COMMIT = "1852d9ceb304eb6a2b4bb779ad7f127a240c5d6f"
# every schema's Alembic head at that commit
REVISION = "b8d4e2f6a1c9"
# the session's last answer, just before the previous release was stopped
RECORDED_AT = datetime.fromisoformat(RECORD["kpis"]["as_of"])


@dataclass(frozen=True)
class Member:
    """A member as the previous release answered for them at the end of the session."""

    label: str
    answers: dict[str, Any]

    @property
    def id(self) -> str:
        member_id: str = self.answers["member"]["id"]
        return member_id

    @property
    def card_number(self) -> str:
        card: str = self.answers["member"]["card_number"]
        return card

    @property
    def signup(self) -> tuple[str | None, dict[str, Any]]:
        """The sign-up's Idempotency-Key (sent by ``cli-admin``) and body."""
        return session.signups(STORE_IDS)[self.label]

    @property
    def ledger(self) -> list[int]:
        """The points of its ledger entries, newest first."""
        return [entry["points"] for entry in self.answers["ledger"]["items"]]


def member(label: str) -> Member:
    return Member(label, RECORD["members"][label])


MEMBERS = tuple(member(label) for label in RECORD["members"])
STORE_IDS = {label: store["id"] for label, store in RECORD["stores"].items()}
CARDS = {m.label: m.card_number for m in MEMBERS}
SALES = session.sales(CARDS)
DAY_END_BATCH = session.day_end_batch(CARDS)
PURCHASE_IDS: dict[str, str] = RECORD["purchases"]
RETURN = session.RETURN  # (sale's key, return's key, body)
REDEMPTION = session.REDEMPTION  # (member label, key, body)


def store_headers(store: str, key: str | None = None) -> dict[str, str]:
    """A store's ``X-API-Key`` (as the previous release issued it) and an Idempotency-Key."""
    headers = {"X-API-Key": RECORD["stores"][store]["api_key"]}
    return headers if key is None else {**headers, "Idempotency-Key": key}

"""Request and response shapes of erasure and access."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from services.customer.consents.schemas import ConsentChangeOut
from services.customer.desk.schemas import TicketOut
from services.customer.history.schemas import ProfileChangeOut
from services.customer.households.schemas import HouseholdOut
from services.customer.members.schemas import MemberOut


class Erasure(BaseModel):
    """The member's tombstone after an erasure."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "7d1c0a52-5b7e-4c1e-9a55-2f0c8b3e4d10",
                    "status": "erased",
                    "erased_at": "2026-12-01T07:30:00Z",
                }
            ]
        }
    )

    member_id: uuid.UUID
    status: Literal["erased"] = "erased"
    erased_at: datetime
    """When customer erased them (UTC); the other services follow as they consume
    ``customer.member.erased``."""


class CustomerPart(BaseModel):
    """What customer holds about the member (see :class:`MemberExport`)."""

    profile: MemberOut
    consent_history: list[ConsentChangeOut]
    profile_history: list[ProfileChangeOut]
    household: HouseholdOut | None
    tickets: list[TicketOut]


class MemberExport(BaseModel):
    """Everything Huiyuan holds about a member (PIPL art. 45), as one document.

    ``customer``: their profile in clear (with consent, consent records and the privacy
    policy versions, custom fields, tags, category and how they qualified), every change
    of their consent and of their profile, their household and their service-desk tickets
    with their texts. ``orders``, ``loyalty``, ``messaging`` and ``analytics``: each
    service's own ``GET /members/{id}/export``, as it answered. Times are UTC; money in
    fen, points as integers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": "7d1c0a52-5b7e-4c1e-9a55-2f0c8b3e4d10",
                    "exported_at": "2026-12-01T07:30:00Z",
                    "customer": {
                        "profile": {"name": "李雷", "phone": "+8613812345678"},
                        "consent_history": [],
                        "profile_history": [],
                        "household": None,
                        "tickets": [],
                    },
                    "orders": {"purchases": [], "returns": []},
                    "loyalty": {"balance": 120, "ledger": []},
                    "messaging": {"notifications": [], "opt_outs": {"sms": None}},
                    "analytics": {"summary": None, "segments": []},
                }
            ]
        }
    )

    member_id: uuid.UUID
    exported_at: datetime
    customer: CustomerPart
    orders: dict[str, Any]
    loyalty: dict[str, Any]
    messaging: dict[str, Any]
    analytics: dict[str, Any]

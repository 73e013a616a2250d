"""Bodies of stored value. Money is integer fen, times UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.inputs import TenderFen

MAX_TIERS = 10

_STORE = "6f1c2b9e-8d4a-4f5e-9a51-3c2d7e8f9a10"
_MEMBER = "0b7e4c1d-2f3a-4b5c-8d9e-1a2b3c4d5e6f"
_ACCOUNT = "5c4b3a29-1807-4f6e-8d5c-4b3a2f1e0d9c"
_DEPOSIT = "3a1f0c5e-7b2d-4c8e-9f10-2b3c4d5e6f70"
_LOT_EXAMPLE: dict[str, Any] = {
    "deposit_id": _DEPOSIT,
    "store_id": _STORE,
    "principal_fen": 60_000,
    "bonus_fen": 20_000,
    "remaining_principal_fen": 60_000,
    "remaining_bonus_fen": 20_000,
    "rule_version": 3,
    "created_at": "2026-11-30T08:00:00Z",
    "refunded_at": None,
    "refunded_by_store_id": None,
}
_DEPOSIT_EXAMPLE: dict[str, Any] = {
    "member_id": _MEMBER,
    "account_id": _ACCOUNT,
    "deposit": _LOT_EXAMPLE,
    "principal_balance_fen": 60_000,
    "bonus_balance_fen": 20_000,
}
RULES_EXAMPLE: dict[str, Any] = {
    "tiers": [
        {"min_deposit_fen": 10_000, "bonus_fen": 10_000},
        {"min_deposit_fen": 50_000, "bonus_fen": 20_000},
        {"min_deposit_fen": 100_000, "bonus_fen": 20_000},
    ]
}


class BonusTierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_deposit_fen: TenderFen = Field(description="The least deposit this tier applies to")
    bonus_fen: Annotated[int, Field(strict=True, ge=0, le=100_000_000)] = Field(
        description="Given on top of such a deposit"
    )


class BonusRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RULES_EXAMPLE]})

    tiers: Annotated[list[BonusTierIn], Len(0, MAX_TIERS)] = Field(
        description="The highest tier a deposit reaches applies; none: no bonus"
    )

    @model_validator(mode="after")
    def distinct_thresholds(self) -> Self:
        seen: set[int] = set()
        for index, tier in enumerate(self.tiers):
            if tier.min_deposit_fen in seen:
                raise ValueError(
                    f"tiers.{index}.min_deposit_fen: {tier.min_deposit_fen} fen is another "
                    "tier's threshold too"
                )
            seen.add(tier.min_deposit_fen)
        return self


class BonusTierOut(BaseModel):
    min_deposit_fen: int
    bonus_fen: int


class BonusRulesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**RULES_EXAMPLE, "version": 3, "set_at": "2026-11-30T02:00:00Z", "set_by": "li"}
            ]
        }
    )

    version: int | None = Field(description="None until marketing sets rules")
    tiers: list[BonusTierOut]
    set_at: datetime | None
    set_by: str | None


class DepositIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"store_id": _STORE, "amount_fen": 50_000}]},
    )

    store_id: uuid.UUID = Field(description="The store that took the money")
    amount_fen: TenderFen = Field(description="Paid in (principal)")


class DepositRefundIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"store_id": _STORE}]}
    )

    store_id: uuid.UUID = Field(description="The store that pays the money back")


class LotOut(BaseModel):
    """A deposit and what is left of it."""

    deposit_id: uuid.UUID
    store_id: uuid.UUID
    principal_fen: int
    bonus_fen: int
    remaining_principal_fen: int
    remaining_bonus_fen: int
    rule_version: int | None
    created_at: datetime
    refunded_at: datetime | None
    refunded_by_store_id: uuid.UUID | None


class DepositOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_DEPOSIT_EXAMPLE]})

    member_id: uuid.UUID
    account_id: uuid.UUID
    deposit: LotOut
    principal_balance_fen: int
    bonus_balance_fen: int


class DepositRefundOut(DepositOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_DEPOSIT_EXAMPLE,
                    "deposit": {
                        **_LOT_EXAMPLE,
                        "remaining_principal_fen": 0,
                        "remaining_bonus_fen": 0,
                        "refunded_at": "2026-12-02T03:00:00Z",
                        "refunded_by_store_id": _STORE,
                    },
                    "principal_balance_fen": 0,
                    "bonus_balance_fen": 0,
                    "refunded_fen": 45_000,
                    "forfeited_bonus_fen": 15_000,
                }
            ]
        }
    )

    refunded_fen: int = Field(description="Unspent principal paid back to the customer")
    forfeited_bonus_fen: int = Field(description="Unspent bonus the refund gave up")


class EntryOut(BaseModel):
    id: uuid.UUID
    kind: Literal[
        "deposit",
        "deposit_refund",
        "payment",
        "payment_release",
        "payment_refund",
        "payment_retake",
    ] = Field(description="A deposit, its refund, or a till payment, its release, refund, retake")
    deposit_id: uuid.UUID = Field(description="The lot (deposit) it moved")
    store_id: uuid.UUID = Field(description="The store that took that deposit")
    principal_fen: int = Field(description="Signed: a credit is positive")
    bonus_fen: int = Field(description="Signed: a credit is positive")
    ref: uuid.UUID = Field(
        description="What moved it: the deposit, the till reservation, or the return (a "
        "void's purchase) that refunded it"
    )
    created_at: datetime


_ENTRY_EXAMPLE: dict[str, Any] = {
    "id": "7e6d5c4b-3a29-4180-9f6e-5d4c3b2a1f0e",
    "kind": "deposit",
    "deposit_id": _DEPOSIT,
    "store_id": _STORE,
    "principal_fen": 60_000,
    "bonus_fen": 20_000,
    "ref": _DEPOSIT,
    "created_at": "2026-11-30T08:00:00Z",
}
_OLDER = Field(
    None,
    description="Pass as `cursor` to `GET /members/{member_id}/wallet/entries` for the "
    "entries before these; null when these reach the first",
)


class WalletOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _ACCOUNT,
                    "principal_fen": 60_000,
                    "bonus_fen": 20_000,
                    "balance_fen": 80_000,
                    "entries": [_ENTRY_EXAMPLE],
                    "entries_cursor": None,
                }
            ]
        }
    )

    account_id: uuid.UUID
    principal_fen: int
    bonus_fen: int
    balance_fen: int = Field(description="principal_fen + bonus_fen: what the member may spend")
    entries: list[EntryOut] = Field(description="The latest entries, the latest first")
    entries_cursor: str | None = _OLDER


class WalletEntryPage(BaseModel):
    """A page of a wallet's ledger, the latest entry first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_ENTRY_EXAMPLE], "next_cursor": "1042"}]}
    )

    items: list[EntryOut] = Field(description="Entries in the ledger's order, the latest first")
    next_cursor: str | None = _OLDER


class StoreLiabilityOut(BaseModel):
    store_id: uuid.UUID = Field(description="The store that took the deposits")
    principal_fen: int
    bonus_fen: int


class LiabilityOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-11-30",
                    "until": "2026-12-01T00:00:00+08:00",
                    "stores": [{"store_id": _STORE, "principal_fen": 60_000, "bonus_fen": 20_000}],
                    "principal_fen": 60_000,
                    "bonus_fen": 20_000,
                }
            ]
        }
    )

    date: str = Field(description="The business day (brand timezone) at whose end it stands")
    until: datetime = Field(description="The end of that day, as an instant")
    stores: list[StoreLiabilityOut]
    principal_fen: int
    bonus_fen: int

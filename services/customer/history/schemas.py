"""Response bodies of the profile history."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.customer.history.domain import Action, ActorKind


class ProfileChangeOut(BaseModel):
    action: Action
    fields: list[str] = Field(description="The fields changed, by name (never their values)")
    actor_kind: ActorKind
    actor: str | None = Field(description="The login of the member or staff user")
    at: datetime


class ProfileHistory(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "action": "updated",
                            "fields": ["phone", "address"],
                            "actor_kind": "staff",
                            "actor": "desk-07",
                            "at": "2026-11-30T09:12:00Z",
                        },
                        {
                            "action": "locked",
                            "fields": [],
                            "actor_kind": "staff",
                            "actor": "desk-07",
                            "at": "2026-11-30T09:10:00Z",
                        },
                    ],
                    "next_cursor": "1042",
                }
            ]
        }
    )

    items: list[ProfileChangeOut] = Field(description="Latest first")
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read older changes")

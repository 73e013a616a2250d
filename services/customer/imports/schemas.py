"""Response bodies of the imports API, and what identifies an upload."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ImportStatus = Literal["queued", "running", "done"]


class ImportOut(BaseModel):
    """An import job. ``rows`` counts the file's data rows (blank lines aside);
    ``processed`` those applied so far, each ``imported`` (with ``dry_run``: would be),
    ``skipped`` (a member already has its phone, or an earlier row of the file does) or
    ``failed`` (see ``GET /imports/{id}/errors``). ``progress`` is ``processed / rows``,
    0.0-1.0. Times are UTC."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5b0e4c1a-2f7d-4e8b-9a3c-6d1f0e2b7a94",
                    "status": "running",
                    "dry_run": False,
                    "charset": "gb18030",
                    "columns": ["name", "phone", "email", "birthday"],
                    "rows": 1000000,
                    "processed": 250000,
                    "imported": 248731,
                    "skipped": 1102,
                    "failed": 167,
                    "progress": 0.25,
                    "created_at": "2026-11-30T09:00:00Z",
                    "finished_at": None,
                }
            ]
        }
    )

    id: uuid.UUID
    status: ImportStatus
    dry_run: bool
    charset: Literal["utf-8", "gb18030"]
    columns: list[str]
    rows: int
    processed: int
    imported: int
    skipped: int
    failed: int
    progress: float = Field(ge=0.0, le=1.0)
    created_at: datetime
    finished_at: datetime | None


class UploadIdentity(BaseModel):
    """What makes two uploads the same request for ``Idempotency-Key``: the file's bytes
    (``sha256``, hex, whether sent raw or as a form's ``file`` part) and the query."""

    sha256: str
    dry_run: bool
    charset: str

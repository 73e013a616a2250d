"""Opaque keyset cursors: a page ends at (time, id), the next starts after it."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from shared.errors import Unprocessable


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        when, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        at = datetime.fromisoformat(when)
        if at.tzinfo is None:
            raise ValueError("naive time")
        return at, uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unprocessable("cursor is not one this API returned") from exc

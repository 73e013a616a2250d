"""Failure modes of the local SMS gateway, set at run time so tests and the walkthrough can
make one of its providers fail: ``POST /v1/admin/failure-mode`` (``/b/v1/...`` for the
fallback provider).

``refuse`` answers 403 and stores nothing; ``error_5xx`` answers 500 and stores nothing;
``timeout`` holds the request for ``delay_seconds`` without storing it, then answers 504;
``accept_then_timeout`` stores the message (and sends its receipt) and then holds the
answer, as a provider that took a message whose answer was lost. Each applies to a share
``rate`` (0 to 1) of new messages; a replay of a stored one is answered as usual.
``receipt_status`` is what the delivery receipts of the messages it takes report.
"""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, Field

Mode = Literal["none", "refuse", "timeout", "accept_then_timeout", "error_5xx"]
ReceiptStatus = Literal["delivered", "failed", "unknown"]


class FailureMode(BaseModel):
    mode: Mode = "none"
    rate: float = Field(default=1.0, ge=0, le=1)
    delay_seconds: float = Field(default=30.0, ge=0, le=300)
    receipt_status: ReceiptStatus = "delivered"


class Faults:
    """The failure mode of one provider of the gateway."""

    def __init__(self) -> None:
        self.current = FailureMode()
        self._random = random.Random()

    def draw(self) -> Mode:
        """The failure this message meets: the mode for a share ``rate`` of them."""
        mode = self.current
        if mode.mode != "none" and self._random.random() < mode.rate:
            return mode.mode
        return "none"

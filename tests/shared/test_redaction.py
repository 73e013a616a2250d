"""Contact data in free text (a provider's answer, an exception, a log line) is masked:
phone numbers as ``phonenumbers`` finds them, email addresses by their shape."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.observability import configure_logging
from shared.redaction import redact_contacts


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("400 invalid number +8613812345678", "400 invalid number +86 138****5678"),
        ("no route to 138 1234 5678.", "no route to +86 138****5678."),
        ("550 <Li.Lei@example.com>: unknown user", "550 <L****@example.com>: unknown user"),
        ("to +44 7400 123456 and 13912345678", "to +44 740***3456 and +86 139****5678"),
    ],
)
def test_phones_and_emails_in_free_text_are_masked(said: str, masked: str) -> None:
    assert redact_contacts(said) == masked


@given(st.uuids(), st.integers(min_value=0, max_value=10**6))
def test_ids_counts_and_amounts_are_left_alone(member_id: uuid.UUID, fen: int) -> None:
    text = f"member {member_id} paid {fen} fen (attempt 3, 2026-12-01 08:00:00)"
    assert redact_contacts(text) == text


def test_a_log_line_masks_the_contact_in_its_message_and_its_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging("messaging")
    log = logging.getLogger("tests.redaction")
    try:
        raise RuntimeError("gateway echoed +8613812345678 for lilei@example.com")
    except RuntimeError:
        log.exception("delivery to %s failed", "13812345678")
    line = json.loads(capfd.readouterr().err.strip().splitlines()[-1])
    assert "13812345678" not in json.dumps(line)
    assert "lilei@example.com" not in json.dumps(line)
    assert line["message"] == "delivery to +86 138****5678 failed"
    assert "RuntimeError: gateway echoed +86 138****5678 for l****@example.com" in line["exc_info"]

"""Use cases of member imports. They flush, never commit: the caller owns the transaction.

Decisions: members are matched by phone (its lookup hash); a row whose phone a member
already has is skipped, never updated, so importing the same file again changes nothing
(its rows are all skipped, its row errors are the same). A phone repeated within a file
is imported once, at its first row; later rows are skipped. With ``dry_run`` every row is
validated and matched but nothing is written: the counts say what an import would do.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, cast

from services.customer.base import emit, outbox
from services.customer.config import Settings
from services.customer.consents import service as consents
from services.customer.imports import domain, repository, staging
from services.customer.imports.errors import ImportNotFound
from services.customer.imports.models import MemberImport
from services.customer.imports.schemas import ImportOut, ImportStatus
from services.customer.members import domain as members_domain
from services.customer.members import service as member_service
from services.customer.members.schemas import MemberCreate
from services.customer.search import domain as search_domain
from shared import codes
from shared.crypto import PiiCipher
from shared.db import AsyncSession, Sessions
from shared.events import CloudEvent

CHUNK = 5000
ERRORS_PAGE = 5000


async def create_import(
    session: AsyncSession,
    cipher: PiiCipher,
    file: BinaryIO,
    *,
    charset: domain.CharsetChoice,
    dry_run: bool,
    created_by: str,
) -> MemberImport:
    """Stages the CSV ``file`` and queues its import (``status`` ``queued``, or ``done``
    at once for a file without data rows). Raises :class:`UnreadableCsv` (422)."""
    chosen: domain.Charset = domain.detect_charset(file) if charset == "auto" else charset
    job = MemberImport(charset=chosen, dry_run=dry_run, created_by=created_by, columns="")
    session.add(job)
    await session.flush()
    columns, job.rows = await staging.stage(session, file, job.id, chosen, cipher)
    job.columns = ",".join(columns)
    if job.rows == 0:
        job.status, job.finished_at = "done", job.created_at
    return job


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> MemberImport:
    """The import ``import_id``; raises :class:`ImportNotFound` (404)."""
    job = await repository.get(session, import_id)
    if job is None:
        raise ImportNotFound(f"No import with id {import_id}", field="import_id", where="path")
    return job


async def apply_chunk(
    session: AsyncSession, settings: Settings, cipher: PiiCipher, job: MemberImport
) -> None:
    """Applies the next ``CHUNK`` staged rows of ``job`` (locked by the caller): inserts
    the new members, publishes ``customer.member.registered`` for each, records the row
    errors, unstages the rows and counts them; ``done`` once no staged row is left. One
    transaction, so a crash redoes the whole chunk or none of it."""
    rows = await repository.staged(session, job.id, CHUNK)
    now = datetime.now(UTC)
    # CPU-bound (about a second a chunk): off the event loop, which keeps serving requests
    valid, errors = await asyncio.to_thread(_check, job, rows, cipher)
    known = await repository.known_phone_hashes(session, list(valid))
    new = [(h, data) for h, data in valid.items() if h not in known]
    if job.dry_run:
        imported = await _count_dry_run(session, job, [h for h, _ in new], len(rows) < CHUNK)
    else:
        imported = await _insert(session, settings, cipher, new, now)
    await repository.record_errors(session, errors)
    if rows:
        await repository.unstage(session, job.id, rows[-1][0])
    failed_rows = len({e["row"] for e in errors})
    job.processed += len(rows)
    job.failed += failed_rows
    job.imported += imported
    job.skipped += len(rows) - failed_rows - imported
    job.status = "running" if len(rows) == CHUNK else "done"
    job.finished_at = now if job.status == "done" else None


def _check(
    job: MemberImport, rows: list[tuple[int, str]], cipher: PiiCipher
) -> tuple[dict[str, MemberCreate], list[dict[str, Any]]]:
    """The chunk's valid rows by phone hash (a repeated phone's first row) and its errors."""
    header = job.columns.split(",")
    valid: dict[str, MemberCreate] = {}
    errors: list[dict[str, Any]] = []
    for row, cells_encrypted in rows:
        data, row_errors = domain.registration(header, staging.cells_of(cells_encrypted, cipher))
        errors += [
            {"import_id": job.id, "row": row, "column": e.column, "reason": e.reason}
            for e in row_errors
        ]
        if data is not None:
            phone_hash = cipher.lookup_hash(data.phone)  # a Phone field is E.164 already
            valid.setdefault(phone_hash, data)
    return valid, errors


async def _count_dry_run(
    session: AsyncSession, job: MemberImport, phone_hashes: list[str], last: bool
) -> int:
    """How many of the chunk's new phones an earlier chunk of the dry run has not counted;
    remembers them until the ``last`` chunk."""
    fresh = set(phone_hashes) - await repository.counted_phones(session, job.id, phone_hashes)
    if last:
        await repository.forget_counted_phones(session, job.id)
    else:
        await repository.count_phones(session, job.id, fresh)
    return len(fresh)


async def _insert(
    session: AsyncSession,
    settings: Settings,
    cipher: PiiCipher,
    new: list[tuple[str, MemberCreate]],
    now: datetime,
) -> int:
    serials = await repository.card_serials(session, len(new))
    batch = await asyncio.to_thread(_new_members, settings, cipher, new, serials, now)
    inserted = await repository.insert_members(session, batch.columns)
    await repository.copy_name_grams(session, [gram for gram in batch.grams if gram[2] in inserted])
    await consents.record_imported(session, list(inserted))
    # in file order, as registrations one by one would have published them
    await outbox.copy(
        session, [event for member_id, event in batch.events.items() if member_id in inserted]
    )
    return len(inserted)


@dataclass
class _NewMembers:
    """A chunk's new members: the members table's columns (one list each), search's name
    pieces (gram, joining time, member id) and each member's registration, enveloped."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    grams: list[tuple[str, datetime, uuid.UUID]] = field(default_factory=list)
    events: dict[uuid.UUID, CloudEvent] = field(default_factory=dict)


def _new_members(
    settings: Settings,
    cipher: PiiCipher,
    new: list[tuple[str, MemberCreate]],
    serials: list[int],
    now: datetime,
) -> _NewMembers:
    """The rows of ``new`` members, contact data encrypted, as registration writes them."""
    batch = _NewMembers()
    for serial, (phone_hash, data) in zip(serials, new, strict=True):
        member_id = uuid.uuid4()
        number = members_domain.card_number(settings.card_number_prefix, serial)
        email = str(data.email) if data.email else None
        row = {
            "id": member_id,
            "card_serial": serial,
            "card_number": number,
            "name": data.name,
            "surname_initial": search_domain.surname_initial(data.name),
            "phone_encrypted": cipher.encrypt(data.phone),
            "phone_hash": phone_hash,
            "email_encrypted": cipher.encrypt(email) if email else None,
            "email_hash": cipher.email_hash(email) if email else None,
            "birthday": data.birthday,
            "gender": data.gender,
            "locale": data.locale,
            "consent_sms": data.consent.sms,
            "consent_email": data.consent.email,
            "store_id": data.store_id,
            "referral_code": codes.new_code(),
            "version": 1,
            "locked": False,
            "restricted": False,
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for column, value in row.items():
            batch.columns[column].append(value)
        batch.grams += [
            (gram, now, member_id) for gram in sorted(search_domain.name_grams(data.name))
        ]
        batch.events[member_id] = emit.envelope(
            member_service.registered_event(
                member_id, number, data, phone_hash, now, source="import"
            )
        )
    return batch


def to_out(job: MemberImport) -> ImportOut:
    """The import as ``GET /imports/{id}`` shows it."""
    return ImportOut(
        id=job.id,
        status=cast(ImportStatus, job.status),
        dry_run=job.dry_run,
        charset=cast(domain.Charset, job.charset),
        columns=job.columns.split(",") if job.columns else [],
        rows=job.rows,
        processed=job.processed,
        imported=job.imported,
        skipped=job.skipped,
        failed=job.failed,
        progress=job.processed / job.rows if job.rows else 1.0,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


async def error_lines(sessions: Sessions, import_id: uuid.UUID) -> AsyncIterator[str]:
    """The import's row errors as CSV (``row,column,reason``, in row order), read in pages
    of ``ERRORS_PAGE``, each in a short session of its own."""
    yield "row,column,reason\r\n"
    after: tuple[int, str] = (0, "")
    while True:
        async with sessions() as session:
            page = await repository.errors_after(session, import_id, after, ERRORS_PAGE)
        out = io.StringIO()
        csv.writer(out).writerows((e.row, e.column, e.reason) for e in page)
        yield out.getvalue()
        if len(page) < ERRORS_PAGE:
            return
        after = (page[-1].row, page[-1].column)

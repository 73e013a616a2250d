"""The upload: a CSV body spooled to a temporary file, checked, and staged with COPY.

The body streams to disk (never whole in memory), its charset is detected or given, its
header checked, and its rows are copied into ``member_import_rows`` in batches, each
row's cells encrypted (they hold contact data). All of it happens in the caller's
transaction with the import's row, so an upload is staged whole or not at all.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import BinaryIO

import orjson

from services.customer.imports import domain
from services.customer.imports.errors import UnreadableCsv
from services.customer.imports.models import ImportRow
from shared.crypto import PiiCipher
from shared.db import AsyncSession, driver_connection

BATCH = 5000
_SPOOL_BYTES = 8 << 20


async def spool(body: AsyncIterator[bytes]) -> BinaryIO:
    """The request body in a temporary file (in memory up to 8 MiB), rewound."""
    file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
    async for chunk in body:
        file.write(chunk)
    file.seek(0)
    return file  # type: ignore[return-value]


def digest(file: BinaryIO) -> str:
    """SHA-256 (hex) of ``file``'s bytes, read 1 MiB at a time; rewinds it."""
    sha = hashlib.sha256()
    while chunk := file.read(1 << 20):
        sha.update(chunk)
    file.seek(0)
    return sha.hexdigest()


def _records(
    reader: Iterator[list[str]], import_id: uuid.UUID, cipher: PiiCipher
) -> Iterator[list[tuple[uuid.UUID, int, str]]]:
    batch: list[tuple[uuid.UUID, int, str]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        # the header is row 1 and a row's number is where it ends (a quoted cell may span lines)
        row = reader.line_num  # type: ignore[attr-defined]
        batch.append((import_id, row, cipher.encrypt(orjson.dumps(cells).decode())))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def stage(
    session: AsyncSession,
    file: BinaryIO,
    import_id: uuid.UUID,
    charset: domain.Charset,
    cipher: PiiCipher,
) -> tuple[tuple[str, ...], int]:
    """Checks the header and stages every data row of ``file`` for ``import_id``; returns
    the header's column names and how many rows it staged. Raises :class:`UnreadableCsv`
    (422) naming ``header``, ``charset`` or the body."""
    text = io.TextIOWrapper(file, encoding=domain.python_codec(charset), newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise UnreadableCsv("The file is empty: it needs at least a header row", field="header")
        try:
            columns = domain.check_header(header)
        except domain.HeaderError as exc:
            raise UnreadableCsv(
                f"The header row is not a member CSV header: {exc}", field="header"
            ) from exc
        connection = await driver_connection(session)
        staged = 0
        batches = _records(reader, import_id, cipher)
        # parsing and encrypting a batch is CPU work: off the event loop
        while (records := await asyncio.to_thread(next, batches, None)) is not None:
            await connection.copy_records_to_table(
                ImportRow.__tablename__,
                schema_name="customer",
                columns=["import_id", "row", "cells_encrypted"],
                records=records,
            )
            staged += len(records)
        return columns, staged
    except UnicodeDecodeError as exc:
        raise UnreadableCsv(
            f"The file is not {charset} (byte {exc.start} of a chunk cannot be read); "
            "give the charset it was saved in",
            field="charset",
            where="query",
        ) from exc
    except csv.Error as exc:
        raise UnreadableCsv(f"Row {reader.line_num} is not CSV: {exc}", field="body") from exc
    finally:
        text.detach()


def cells_of(cells_encrypted: str, cipher: PiiCipher) -> list[str]:
    """The cells of a staged row."""
    cells: list[str] = orjson.loads(cipher.decrypt(cells_encrypted))
    return cells

"""``huiyuan import members FILE``: upload a CSV to the running customer service and follow
its import job with a progress bar until it is done."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

_CHUNK = 1 << 20
POLL_SECONDS = 0.5


class ImportFailed(Exception):
    """The service refused the file; the message is its problem detail."""


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            yield chunk


def run_import(
    url: str, token: str, path: Path, *, dry_run: bool, charset: str, show: bool = True
) -> dict[str, Any]:
    """Uploads ``path`` (streamed, never read whole) to the customer service at ``url`` with
    the bearer ``token`` and polls the job until ``done``, drawing its progress unless
    ``show`` is false; the finished job (``GET /imports/{id}``). Raises
    :class:`ImportFailed` if the service refuses the file."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
        started = client.post(
            "/imports",
            content=_chunks(path),
            params={"dry_run": dry_run, "charset": charset},
            headers={"Content-Type": "text/csv"},
        )
        if started.status_code >= 400:
            raise ImportFailed(started.json().get("detail", started.text))
        job: dict[str, Any] = started.json()
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, disable=not show) as progress:
            task = progress.add_task("importing" if not dry_run else "checking", total=job["rows"])
            while job["status"] != "done":
                time.sleep(POLL_SECONDS)
                job = client.get(f"/imports/{job['id']}").raise_for_status().json()
                progress.update(task, completed=job["processed"])
            progress.update(task, completed=job["processed"])
    return job

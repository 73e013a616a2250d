"""What the fuzzer saw: cases per operation, and each distinct failure once, with an example."""

from __future__ import annotations

import logging
import re
import traceback
from collections import Counter
from dataclasses import astuple, dataclass, field
from types import TracebackType
from typing import Any

from shared.observability import request_id_var

# frames of the code under test, as opposed to libraries
_OWN_CODE = ("/services/", "/shared/")
# the edge and the problem handlers log every crash: the frame that matters is the one before
_EDGE = ("/shared/edge.py", "/shared/errors.py", "/shared/observability.py")


def summarise_error(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None],
) -> str:
    """``Type: message`` of the error and of its root cause, at the deepest frame of our own."""
    _, error, tb = exc_info
    frames = [
        frame
        for frame in traceback.extract_tb(tb)
        if any(part in frame.filename for part in _OWN_CODE)
        and not any(frame.filename.endswith(edge) for edge in _EDGE)
    ]
    where = ""
    if frames:
        frame = frames[-1]
        path = frame.filename[frame.filename.rfind("/services/") + 1 :]
        if "/shared/" in frame.filename and "/services/" not in frame.filename:
            path = frame.filename[frame.filename.rfind("/shared/") + 1 :]
        where = f" at {path}:{frame.lineno} ({frame.name})"
    root = error
    while root.__cause__ is not None or root.__context__ is not None:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    text = f"{type(error).__name__}: {_first_line(error)}"
    if root is not error:
        text += f" <- {type(root).__name__}: {_first_line(root)}"
    return text + where


def _first_line(error: BaseException) -> str:
    return _blanked(str(error))


def _blanked(message: str) -> str:
    """The message's first line, its values blanked so that one fault reads the same for
    every input that shows it."""
    lines = message.strip().splitlines()
    line = lines[0][:200] if lines else ""
    return re.sub(r"\$\d+|-?\d{3,}|'[^']*'|/[\w/-]*[0-9a-f]{8}-[\w-]+", "…", line)


class ServerErrorLog(logging.Handler):
    """Keeps what was logged about each request id, to tell what a 500 or 503 was about:
    attached to the root logger, so a warning of any module counts (a peer that did not
    answer is a warning of the calling service's client, not of ``shared.errors``). A
    crash's traceback wins over a message; otherwise the first message is kept, since what
    follows it (the problem handler's line) only repeats the outcome."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.by_request: dict[str, str] = {}
        self._crashed: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        request_id = request_id_var.get()
        if request_id is None or request_id in self._crashed:
            return
        if record.exc_info and record.exc_info[0] is not None:
            self.by_request[request_id] = summarise_error(record.exc_info)
            self._crashed.add(request_id)
        else:
            message = f"{record.name}: {_blanked(record.getMessage())}"
            self.by_request.setdefault(request_id, message)


@dataclass(frozen=True)
class Finding:
    service: str
    operation: str
    kind: str  # "server error", "undocumented status", ...
    what: str  # the status and the error, or the check's message

    def line(self) -> str:
        return f"{self.service} {self.operation}: {self.kind}: {self.what}"


@dataclass
class Findings:
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    examples: dict[Finding, str] = field(default_factory=dict)
    counts: Counter[Finding] = field(default_factory=Counter)

    def record(self, finding: Finding, example: str) -> None:
        """Counts ``finding``, and keeps ``example`` if it is the first."""
        self.counts[finding] += 1
        self.examples.setdefault(finding, example)

    def merge(self, other: Findings) -> None:
        """Adds what ``other`` saw (another target's, or another test worker's)."""
        self.cases.update(other.cases)
        self.statuses.update(other.statuses)
        self.counts.update(other.counts)
        for finding, example in other.examples.items():
            self.examples.setdefault(finding, example)

    def as_lists(self) -> dict[str, list[Any]]:
        """Plain lists and strings, which a pytest-xdist worker can send its controller."""
        return {
            "cases": [[service, operation, n] for (service, operation), n in self.cases.items()],
            "statuses": [[status, n] for status, n in self.statuses.items()],
            "findings": [
                [*astuple(finding), self.counts[finding], example]
                for finding, example in self.examples.items()
            ],
        }

    @classmethod
    def from_lists(cls, data: dict[str, list[Any]]) -> Findings:
        """What :meth:`as_lists` gave."""
        findings = cls()
        for service, operation, n in data["cases"]:
            findings.cases[(service, operation)] += n
        for status, n in data["statuses"]:
            findings.statuses[status] += n
        for service, operation, kind, what, n, example in data["findings"]:
            finding = Finding(service, operation, kind, what)
            findings.counts[finding] += n
            findings.examples.setdefault(finding, example)
        return findings

    def summary(self) -> str:
        total = sum(self.cases.values())
        per_service = Counter[str]()
        for (service, _), count in self.cases.items():
            per_service[service] += count
        lines = [
            f"{total} cases over {len(self.cases)} operations "
            + "("
            + ", ".join(f"{service} {count}" for service, count in sorted(per_service.items()))
            + ")",
            "statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())),
            f"{len(self.examples)} distinct failures",
        ]
        for kind in sorted({finding.kind for finding in self.examples}):
            found = [finding for finding in self.examples if finding.kind == kind]
            lines.append(f"  {kind}: {len(found)}")
            lines += [f"    {f.line()} (x{self.counts[f]})" for f in sorted(found, key=str)]
        return "\n".join(lines)

    def markdown(self, command: str) -> str:
        parts = [
            "# Fuzz findings\n",
            f"Rerun: `{command}`\n",
            "```\n" + self.summary() + "\n```\n",
        ]
        parts.append("## Cases per operation\n")
        parts += [
            f"- {service} {operation}: {count}"
            for (service, operation), count in sorted(self.cases.items())
        ]
        parts.append("")
        for kind in sorted({finding.kind for finding in self.examples}):
            parts.append(f"## {kind}\n")
            for finding in sorted((f for f in self.examples if f.kind == kind), key=str):
                parts.append(
                    f"- **{finding.service} {finding.operation}** ({self.counts[finding]} "
                    f"cases): {finding.what}\n  - example: {self.examples[finding]}\n"
                )
        return "\n".join(parts)

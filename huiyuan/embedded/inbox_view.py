"""Shows what the local providers received: a web page, JSON lists and a text listing."""

from __future__ import annotations

import textwrap
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from huiyuan.embedded.provider_store import (
    Inbox,
    ReceivedEmail,
    ReceivedSms,
    read_emails,
    read_inbox,
    read_repeats,
    read_sms,
)
from shared.sms import as_received

_STYLE = """
body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.item { border: 1px solid #ddd; border-radius: 6px; padding: .6rem .9rem; margin: .6rem 0; }
.meta { color: #666; font-size: 12px; }
.subject { font-weight: 600; }
pre { white-space: pre-wrap; margin: .4rem 0 0; font: inherit; }
.empty { color: #888; }
"""


def _sms_line(sms: ReceivedSms) -> str:
    return as_received(sms.sign, sms.text)


def _email_html(email: ReceivedEmail) -> str:
    body = email.text or email.html or ""
    return (
        '<div class="item">'
        f'<div class="meta">{escape(email.received_at)} · from {escape(email.mail_from)}'
        f" · to {escape(', '.join(email.rcpt_tos))}</div>"
        f'<div class="subject">{escape(email.subject)}</div>'
        f"<pre>{escape(body)}</pre></div>"
    )


def _sms_html(sms: ReceivedSms) -> str:
    return (
        '<div class="item">'
        f'<div class="meta">{escape(sms.received_at)} · to {escape(sms.to)}</div>'
        f"<pre>{escape(_sms_line(sms))}</pre></div>"
    )


def render_inbox_html(inbox: Inbox) -> str:
    """The page lists the newest first."""
    emails = "".join(_email_html(e) for e in reversed(inbox.emails))
    sms = "".join(_sms_html(s) for s in reversed(inbox.sms))
    empty = '<p class="empty">Nothing yet.</p>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Huiyuan local inbox</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Huiyuan local inbox</h1>"
        f"<h2>Email ({len(inbox.emails)})</h2>{emails or empty}"
        f"<h2>SMS ({len(inbox.sms)})</h2>{sms or empty}"
        "</body></html>"
    )


def format_inbox(inbox: Inbox) -> str:
    """A terminal listing, newest last so the latest sits just above the prompt."""
    lines = [f"Email ({len(inbox.emails)})"]
    for email in inbox.emails:
        lines.append(f"  {email.received_at}  to {', '.join(email.rcpt_tos)}")
        lines.append(f"  Subject: {email.subject}")
        body = (email.text or email.html or "").strip()
        lines.extend(textwrap.indent(body, "    ").splitlines())
        lines.append("")
    lines.append(f"SMS ({len(inbox.sms)})")
    lines.extend(f"  {sms.received_at}  to {sms.to}  {_sms_line(sms)}" for sms in inbox.sms)
    return "\n".join(lines) + "\n"


def inbox_router(store_dir: Path) -> APIRouter:
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page() -> HTMLResponse:
        return HTMLResponse(render_inbox_html(read_inbox(store_dir)))

    @router.get("/api/emails", summary="Received emails, newest first")
    def list_emails() -> list[dict[str, Any]]:
        return [e.to_record() for e in reversed(read_emails(store_dir))]

    @router.get("/api/sms", summary="Received SMS, newest first")
    def list_sms() -> list[dict[str, Any]]:
        return [s.to_record() for s in reversed(read_sms(store_dir))]

    @router.get(
        "/api/repeats",
        summary="What arrived more than once: counts, and each repeat oldest first",
    )
    def list_repeats() -> dict[str, Any]:
        repeats = read_repeats(store_dir)
        return {
            "counts": repeats.counts(),
            "emails": [e.to_record() for e in repeats.emails],
            "sms": [s.to_record() for s in repeats.sms],
        }

    return router

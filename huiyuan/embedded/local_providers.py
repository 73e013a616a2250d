"""The mail catcher and the SMS gateway that ``huiyuan up`` runs when no real ones are set.

Run both in one process::

    python -m huiyuan.embedded.local_providers --store-dir DIR --smtp-port 1025 \\
        --http-port 8025 --sms-api-key KEY \\
        [--receipt-url URL --receipt-secret primary=whsec_... --receipt-secret fallback=...]
        [--reply-url URL] [--bounce-url URL --bounce-secret whsec_...]

and open ``http://127.0.0.1:8025/`` to see what was delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import uvicorn

from huiyuan.embedded.inbox_view import format_inbox, render_inbox_html
from huiyuan.embedded.mail_bounces import Bounces
from huiyuan.embedded.mailcatcher import MailCatcher
from huiyuan.embedded.provider_store import Inbox, ReceivedEmail, ReceivedSms, read_inbox
from huiyuan.embedded.sms_gateway import create_sms_gateway_app
from huiyuan.embedded.sms_receipts import Receipts

__all__ = [
    "Inbox",
    "MailCatcher",
    "ReceivedEmail",
    "ReceivedSms",
    "create_sms_gateway_app",
    "format_inbox",
    "read_inbox",
    "render_inbox_html",
    "run_local_providers",
]

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """Leaves signals to :func:`run_local_providers`.

    uvicorn re-raises a captured SIGTERM after shutting down, which would end the process
    with a signal status before the mail catcher stops; here a signal is a clean exit.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run_local_providers(
    store_dir: Path,
    *,
    host: str,
    smtp_port: int,
    http_port: int,
    sms_api_key: str,
    receipts: Receipts | None = None,
    replies: tuple[str, Mapping[str, str]] | None = None,
    bounces: Bounces | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT; ``receipts`` and ``replies``: see
    :func:`create_sms_gateway_app`; ``bounces``: where the mail catcher reports bounces
    (none without)."""
    app = create_sms_gateway_app(store_dir, sms_api_key, receipts, replies)
    config = uvicorn.Config(
        app, host=host, port=http_port, log_level="warning", lifespan="off", access_log=False
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, setattr, server, "should_exit", True)
    catcher = MailCatcher(store_dir, host, smtp_port, bounces)
    catcher.start()
    try:
        log.info("local inbox on http://%s:%d/ (store %s)", host, http_port, store_dir)
        await server.serve()
    finally:
        catcher.stop()
        if receipts is not None:
            await receipts.aclose()
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the local mail catcher and SMS gateway.")
    parser.add_argument("--store-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--sms-api-key", required=True)
    parser.add_argument(
        "--reply-url",
        help="where simulated SMS replies are posted: {url}/{provider}, signed with the "
        "provider's --receipt-secret",
    )
    parser.add_argument(
        "--receipt-url", help="where delivery receipts go, in batches: {url}/{provider}/batch"
    )
    parser.add_argument(
        "--receipt-secret",
        action="append",
        default=[],
        metavar="PROVIDER=WHSEC",
        help="a provider's Standard Webhooks secret for its receipts (repeatable)",
    )
    parser.add_argument(
        "--bounce-url",
        help="where the mail catcher reports bounces of mail to *@bounce.example.com "
        "(hard), *@softbounce.example.com, *@complaint.example.com",
    )
    parser.add_argument(
        "--bounce-secret", help="the Standard Webhooks secret bounces are signed with"
    )
    args = parser.parse_args(argv)
    if args.bounce_url is not None and args.bounce_secret is None:
        parser.error("--bounce-url needs --bounce-secret")
    secrets = dict(item.split("=", 1) for item in args.receipt_secret)
    if args.reply_url is not None and not secrets:
        parser.error("--reply-url needs the providers' --receipt-secret")
    receipts = Receipts(args.receipt_url, secrets) if args.receipt_url else None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    asyncio.run(
        run_local_providers(
            args.store_dir,
            host=args.host,
            smtp_port=args.smtp_port,
            http_port=args.http_port,
            sms_api_key=args.sms_api_key,
            receipts=receipts,
            replies=(args.reply_url, secrets) if args.reply_url else None,
            bounces=Bounces(args.bounce_url, args.bounce_secret) if args.bounce_url else None,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

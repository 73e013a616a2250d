"""``huiyuan up`` restarts a service process that is not live: one whose ``/healthz``
answers 503 three times running (a relay, consumer or worker of it ended), as the
Kubernetes liveness probe would; a live one, or one that does not answer, is left alone."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

from huiyuan.config import StackSettings
from huiyuan.embedded.ports import free_port
from huiyuan.stack import LIVENESS_FAILURES, Child, LocalStack

_SERVER = """
import http.server, sys
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(int(sys.argv[2]))
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def _answering(name: str, port: int, status: int, logs: Path) -> Child:
    child = Child(name, [sys.executable, "-c", _SERVER, str(port), str(status)], {}, logs / name)
    child.start()
    return child


def _wait_until_answering(url: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_a_process_whose_healthz_fails_three_times_running_is_restarted(tmp_path: Path) -> None:
    ports = {service: free_port() for service in ("messaging", "loyalty", "orders")}
    settings = StackSettings(
        messaging_port=ports["messaging"],
        loyalty_port=ports["loyalty"],
        orders_port=ports["orders"],
    )
    said: list[str] = []
    stack = LocalStack(settings, said.append)
    stack.children = [
        _answering("messaging", ports["messaging"], 503, tmp_path),
        _answering("loyalty", ports["loyalty"], 200, tmp_path),
        _answering("orders", ports["orders"], 503, tmp_path),
    ]
    messaging, loyalty, orders = stack.children
    orders.stop()  # not answering at all: left to the exit check
    try:
        for child in (messaging, loyalty):
            _wait_until_answering(f"{settings.url(child.name)}/healthz")
        first = messaging.process.pid if messaging.process else None
        unlive: dict[str, int] = {}
        with httpx.Client(timeout=3.0) as client:
            for _ in range(LIVENESS_FAILURES - 1):
                stack.probe_liveness(client, unlive)
            assert (messaging.restarts, unlive["messaging"]) == (0, LIVENESS_FAILURES - 1)
            stack.probe_liveness(client, unlive)
        assert messaging.restarts == 1
        assert messaging.process is not None
        assert messaging.process.pid != first
        assert (loyalty.restarts, orders.restarts) == (0, 0)
        assert said == [
            f"messaging is not live (GET /healthz answers 503); restarting "
            f"(see {tmp_path / 'messaging'})"
        ]
    finally:
        for child in stack.children:
            child.stop()

"""Loopback ports for the embedded runtime's pieces, when the defaults are not wanted."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on now (another process may still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port

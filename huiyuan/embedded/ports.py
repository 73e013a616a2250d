"""Loopback ports for the embedded runtime's pieces, when the defaults are not wanted."""

from __future__ import annotations

import random
import socket
from pathlib import Path

# Linux's range for the local ports of outgoing connections; IANA's dynamic range elsewhere.
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_IANA_DYNAMIC_LOW = 49152
_LOWEST = 10_000
_ATTEMPTS = 200

_chosen: set[int] = set()
_random = random.SystemRandom()  # not the `random` module's state, which tests may seed


def free_port() -> int:
    """A loopback TCP port nothing listens on now, for a server about to bind it.

    Chosen at random below the kernel's ephemeral range (10000 up to
    ``ip_local_port_range``'s low end, 32768 on Linux by default): the kernel picks the
    local ports of outgoing connections from that range, so none of them (to PostgreSQL,
    the broker, an HTTP peer) can take the port in the moment before its server binds it,
    as a port the kernel assigned could be. Never the same port twice in one process;
    another process may still, rarely, choose the same one. Falls back to a port the
    kernel assigns when no free one is found below its range. Raises :class:`OSError`
    only when not even that can be bound.
    """
    low, high = _LOWEST, _ephemeral_low()
    for _ in range(_ATTEMPTS if high - low >= 1_000 else 0):
        port = _random.randrange(low, high)
        if port not in _chosen and _bindable(port):
            _chosen.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        assigned: int = sock.getsockname()[1]
    _chosen.add(assigned)
    return assigned


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _IANA_DYNAMIC_LOW


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

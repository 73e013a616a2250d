"""Ports chosen for servers stay out of the range the kernel gives outgoing connections,
where a connection could take one before its server binds it."""

from __future__ import annotations

import socket
from pathlib import Path

from huiyuan.embedded.ports import free_port


def _ephemeral() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_a_chosen_port_is_below_the_kernels_ephemeral_range_and_bindable() -> None:
    low, _ = _ephemeral()
    ports = [free_port() for _ in range(200)]
    assert all(10_000 <= port < low for port in ports)
    assert len(set(ports)) == len(ports)  # never the same one twice in a process
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", ports[-1]))


def test_a_port_some_server_holds_is_never_chosen() -> None:
    low, _ = _ephemeral()
    held = []
    try:
        for port in range(10_000, low):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            sock.listen()
            held.append(sock)
            if len(held) == 500:
                break
        taken = {sock.getsockname()[1] for sock in held}
        assert not taken & {free_port() for _ in range(1_000)}
    finally:
        for sock in held:
            sock.close()

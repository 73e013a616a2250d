"""Autogenerates a service's next Alembic revision against a throwaway embedded database."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from huiyuan.embedded.postgres import EmbeddedPostgres
from shared import migrations
from shared.provisioning import provision_service, service_database_url


def make_migration(service: str, message: str) -> None:
    with tempfile.TemporaryDirectory(prefix="huiyuan-makemigration-") as scratch:
        server = EmbeddedPostgres(Path(scratch) / "pg")
        admin_url = server.start()
        try:
            asyncio.run(provision_service(admin_url, service, password=None))
            url = service_database_url(admin_url, service, password=None)
            migrations.upgrade(service, url)
            migrations.autogenerate(service, url, message)
        finally:
            server.stop()

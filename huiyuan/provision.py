"""Prepares the database: one role and schema per service, then each service's migrations."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy.engine import make_url

from shared import migrations
from shared.provisioning import SERVICES, provision_service, service_database_url


def admin_async_url(database_url: str) -> str:
    """Accept ``postgresql://`` URLs as people write them; SQLAlchemy needs the driver named."""
    return (
        make_url(database_url)
        .set(drivername="postgresql+asyncpg")
        .render_as_string(hide_password=False)
    )


def role_password(service: str) -> str | None:
    """``<SERVICE>_DB_PASSWORD``; unset means a password-less role (the embedded default)."""
    return os.environ.get(f"{service.upper()}_DB_PASSWORD") or None


def migrate_all(admin_url: str) -> dict[str, str]:
    """Provision and migrate every service; returns each service's own database URL."""
    urls: dict[str, str] = {}
    for service in SERVICES:
        password = role_password(service)
        asyncio.run(provision_service(admin_url, service, password))
        urls[service] = service_database_url(admin_url, service, password)
        migrations.upgrade(service, urls[service])
    return urls

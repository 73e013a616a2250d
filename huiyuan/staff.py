"""``huiyuan staff add``: a staff account written straight into the customer database, for
the first admin (nobody can call ``POST /staff`` before one exists)."""

from __future__ import annotations

import asyncio
import os

from huiyuan.config import StackSettings
from huiyuan.devkeys import pii_key
from huiyuan.dlq import admin_database
from huiyuan.provision import role_password, service_database_url
from huiyuan.stack import Say
from services.customer.config import Settings as CustomerSettings
from services.customer.staff import service
from services.customer.staff.schemas import StaffCreate, StaffOut
from shared.crypto import PiiCipher
from shared.db import create_engine, create_sessions, transaction


def _pii_key(settings: StackSettings) -> str:
    """The key the customer service encrypts with: as ``huiyuan up`` gives it."""
    given = os.environ.get("CUSTOMER_PII_KEY") or os.environ.get("HUIYUAN_PII_KEY")
    return given or pii_key(settings)


async def _add(database_url: str, key: str, data: StaffCreate) -> StaffOut:
    settings = CustomerSettings(database_url=database_url)
    engine = create_engine(settings)
    try:
        async with transaction(create_sessions(engine)) as session:
            return await service.create_staff(
                session, PiiCipher(key), settings.staff_password_hashing(), data
            )
    finally:
        await engine.dispose()


def add_staff(settings: StackSettings, say: Say, data: StaffCreate) -> StaffOut:
    """Creates the account in the customer database: the service's own
    ``CUSTOMER_DATABASE_URL`` where set (inside its container), else the stack's
    (``DATABASE_URL`` or the embedded one), migrated. Raises ``StaffLoginTaken`` and
    ``StoreScopeNotForRole``."""
    own = os.environ.get("CUSTOMER_DATABASE_URL")
    if own:
        return asyncio.run(_add(own, _pii_key(settings), data))
    with admin_database(settings, say) as admin_url:
        url = service_database_url(admin_url, "customer", role_password("customer"))
        return asyncio.run(_add(url, _pii_key(settings), data))

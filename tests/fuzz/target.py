"""The five services on real uvicorn servers, seeded so that a fuzzed request can get past
authentication and name things that exist, and the call of one fuzzed case."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import requests
import schemathesis
from schemathesis import Case
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup

from huiyuan.embedded.local_providers import MailCatcher, create_sms_gateway_app
from huiyuan.embedded.ports import free_port
from huiyuan.provision import SERVICES
from tests.fuzz.findings import Finding, Findings, ServerErrorLog
from tests.server import ServedInThread
from tests.stack import (
    Stack,
    empty_catalog,
    eventually,
    member_headers,
    retire_custom_fields,
    skip_backlog,
    staff_headers,
)

SMS_KEY = "fuzz-sms-key"
# Who calls, in turn: an admin (with the ids the fuzzer made up, or the seeded ones), the
# seeded member for their own data or for someone else's, or whoever the fuzzer made up
CALLERS = (
    ("staff", False),
    ("staff", True),
    ("member", True),
    ("member", False),
    ("staff", True),
    ("anonymous", False),
)
# the checks every answer must pass
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def max_examples() -> int:
    """Cases per operation in the fuzzing phase: a few for the suite, many for ``make fuzz``.

    The suite's 150 (250 until the operations grew past 200 and ``make test`` past 20
    minutes) come after the examples and coverage phases, which run whole either way."""
    return int(os.environ.get("FUZZ_EXAMPLES", "150"))


@dataclass(frozen=True)
class Seeds:
    """What exists before fuzzing starts: a store with its key, a member with a purchase,
    a reward item and the member's order of it."""

    store_key: str
    member_id: str
    purchase_id: str
    item_id: str
    order_id: str


def _local_session() -> requests.Session:
    """A session for the local servers: its connections are kept between cases, and the
    environment's proxy settings, which requests would otherwise read for every request,
    are ignored."""
    session = requests.Session()
    session.trust_env = False
    return session


@dataclass
class FuzzTarget:
    urls: dict[str, str]
    seeds: Seeds
    errors: ServerErrorLog
    # each identity's Authorization header, its token issued once for the whole run: past
    # the wrong tokens an address may send (the anonymous caller's made-up ones), a service
    # refuses 429 every token it has not verified before (shared.auth.BearerFailures), so
    # a token per case was refused before it reached the operation
    credentials: dict[str, dict[str, str]]
    findings: Findings = field(default_factory=Findings)
    session: requests.Session = field(default_factory=_local_session)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def exercise(self, service: str, case: Case[Any]) -> None:
        """Calls ``case`` as the next of :data:`CALLERS`, naming the seeded member and
        purchase where that caller knows them, and records what its answer failed."""
        number = next(self._ids)
        identity, known = CALLERS[number % len(CALLERS)]
        if known:
            self._name_seeds(case)
        request_id = f"fuzz-{number}"
        headers = {"X-Request-ID": request_id}
        if identity != "anonymous":
            headers["X-API-Key"] = self.seeds.store_key
            headers.update(self.credentials[identity])
        operation = case.operation.label
        self.findings.cases[(service, operation)] += 1
        response = case.call(base_url=self.urls[service], session=self.session, headers=headers)
        self.findings.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            failed = {
                self._finding(service, operation, failure, response, request_id)
                for failure in group.exceptions
            }
            for finding in failed:
                self.findings.record(finding, _describe(case, identity))

    def _name_seeds(self, case: Case[Any]) -> None:
        seeds = {
            "member_id": self.seeds.member_id,
            "purchase_id": self.seeds.purchase_id,
            "item_id": self.seeds.item_id,
            "order_id": self.seeds.order_id,
        }
        for name in case.path_parameters.keys() & seeds.keys():
            case.path_parameters[name] = seeds[name]
        if isinstance(case.body, dict):
            for name in case.body.keys() & {"member_id", "item_id"}:
                case.body[name] = seeds[name]

    def _finding(
        self,
        service: str,
        operation: str,
        failure: Exception,
        response: Any,
        request_id: str,
    ) -> Finding:
        status = response.status_code
        if status >= 500:
            logged = self.errors.by_request.get(request_id, "nothing logged")
            return Finding(service, operation, "server error", f"{status}: {logged}")
        title = str(getattr(failure, "title", type(failure).__name__))
        message = str(getattr(failure, "message", failure)).strip().splitlines()
        content_type = response.headers.get("content-type", "")
        what = f"{status} {content_type}: {message[0] if message else ''}"
        return Finding(service, operation, title.lower(), what[:300])


def _describe(case: Case[Any], identity: str) -> str:
    meta = case.meta
    how = ""
    if meta is not None:
        how = f"{meta.phase.name.value}, {meta.generation.mode.value}"
        description = getattr(meta.phase.data, "description", None)
        if description:
            how += f", {description}"
    replaced = {"authorization", "x-api-key"}  # the caller's own were sent instead
    inputs = {
        "path": case.path_parameters,
        "query": case.query,
        "headers": {k: v for k, v in (case.headers or {}).items() if k.lower() not in replaced},
        "body": None if isinstance(case.body, NotSet) else case.body,
    }
    shown = {name: value for name, value in inputs.items() if value}
    return f"[{how}; as {identity}] {str(shown)[:400]}"


@contextlib.asynccontextmanager
async def fuzz_target(stack: Stack, store_dir: Path) -> AsyncIterator[FuzzTarget]:
    """The five services with consumers of their own (started at the end of the shared
    broker's topics), local mail and SMS providers, a store and a member with a purchase.

    The loyalty program is put back as it was afterwards, and orders' catalog emptied: the
    fuzzer rewrites both.
    """
    mail = MailCatcher(store_dir, port=free_port())
    mail.start()
    run = uuid.uuid4().hex[:8]
    overrides: dict[str, dict[str, Any]] = {
        service: {"consumer_group_id": f"{service}-fuzz-{run}"} for service in SERVICES
    }
    for service, settings in overrides.items():
        subscriptions = stack.app(service).state.spec.subscriptions
        await skip_backlog(stack.bootstrap_servers, settings["consumer_group_id"], subscriptions)
    apps: dict[str, Any] = {"sms": create_sms_gateway_app(store_dir, SMS_KEY)}
    with ServedInThread(apps, lifespan="off") as providers:
        overrides["messaging"].update(
            smtp_host="127.0.0.1",
            smtp_port=mail.port,
            sms_gateway_url=providers["sms"],
            sms_api_key=SMS_KEY,
        )
        # every service knows the others' URLs before it starts: orders commits points
        # tenders at loyalty, messaging and loyalty read contacts at customer, and a
        # member's export asks orders, loyalty, messaging and analytics for their parts
        ports = {service: free_port() for service in SERVICES}
        url = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
        overrides["orders"]["loyalty_url"] = url["loyalty"]
        # the five services share one event loop here, on a machine the other test workers
        # load: loyalty may take longer than the 3 s a till waits in production, and the
        # 503 that follows says nothing about the input (tests/orders/tenders stops loyalty
        # to check the timeout's own answer)
        overrides["orders"]["loyalty_timeout_seconds"] = 15.0
        for reader in ("messaging", "loyalty"):
            overrides[reader]["customer_url"] = url["customer"]
        for peer in ("orders", "loyalty", "messaging", "analytics"):
            overrides["customer"][f"{peer}_url"] = url[peer]
        services = {service: stack.app(service, **overrides[service]) for service in SERVICES}
        errors = ServerErrorLog()
        logging.getLogger().addHandler(errors)
        try:
            with ServedInThread(services, ports, access_log=False) as urls:
                admin = staff_headers("admin")  # verified by the services while seeding
                async with _program_kept(urls["loyalty"], admin):
                    seeds = await _seed(urls, admin)
                    member = member_headers(uuid.UUID(seeds.member_id))
                    credentials = {"staff": admin, "member": member}
                    yield FuzzTarget(urls, seeds, errors, credentials)
        finally:
            logging.getLogger().removeHandler(errors)
            mail.stop()
            await empty_catalog(stack)
            await retire_custom_fields(stack)


@contextlib.asynccontextmanager
async def _program_kept(loyalty: str, admin: dict[str, str]) -> AsyncIterator[None]:
    async with httpx.AsyncClient(base_url=loyalty, headers=admin) as http:
        ladder = (await http.get("/program/tiers")).json()["tiers"]
        rules = (await http.get("/program/earning-rules")).json()["in_force"]
        for kept_apart in ("version", "effective_from", "created_at"):
            rules.pop(kept_apart)
        yield
        if ladder:
            (await http.put("/program/tiers", json=ladder)).raise_for_status()
        # a new version in force now, the rules in force before the run (versions the run
        # scheduled later still come into force: their times are years ahead)
        (await http.put("/program/earning-rules", json=rules)).raise_for_status()


async def _seed(urls: dict[str, str], admin: dict[str, str]) -> Seeds:
    async with httpx.AsyncClient(headers=admin, timeout=30) as http:
        store = await http.post(f"{urls['orders']}/stores", json={"name": "Fuzz store"})
        store_key = store.raise_for_status().json()["api_key"]
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        member = await http.post(
            f"{urls['customer']}/members", json={"name": "模糊", "phone": phone}
        )
        member_id = member.raise_for_status().json()["id"]
        sale = {"member_id": member_id, "lines": [_LINE]}

        async def purchase() -> str | None:
            answer = await http.post(
                f"{urls['orders']}/purchases",
                json=sale,
                headers={"X-API-Key": store_key, "Idempotency-Key": f"seed-{member_id}"},
            )
            return str(answer.json()["id"]) if answer.status_code == 201 else None

        async def earned() -> bool:
            answer = await http.get(f"{urls['loyalty']}/members/{member_id}/loyalty")
            return answer.status_code == 200 and answer.json()["balance"] > 0

        purchase_id = await eventually(purchase, timeout=30)
        await eventually(earned, timeout=30)
        item = await http.post(
            f"{urls['loyalty']}/rewards/items",
            json={
                "code": f"FUZZ-{member_id[:8]}",
                "name": "模糊礼品",
                "point_price": 1,
                "stock": 10**6,
            },
            headers={"Idempotency-Key": f"seed-item-{member_id}"},
        )
        item_id = item.raise_for_status().json()["id"]
        order = await http.post(
            f"{urls['loyalty']}/members/{member_id}/reward-orders",
            json={"item_id": item_id},
            headers={"Idempotency-Key": f"seed-order-{member_id}"},
        )
        order_id = order.raise_for_status().json()["order_id"]
    return Seeds(store_key, member_id, purchase_id, item_id, order_id)


_LINE = {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 5, "unit_price_fen": 19900}

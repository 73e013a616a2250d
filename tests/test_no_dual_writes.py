"""Only the outbox relay publishes to Kafka.

A service that wrote its database and then sent to Kafka itself could lose the event
(crash between the two) or publish one whose transaction rolled back. Every event goes
through the outbox table, written in the business transaction, and the relay publishes
it. This test reads every module's syntax tree and fails, naming file and line, if code
anywhere else makes a Kafka producer or sends with one.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("shared", "services", "huiyuan")
ALLOWED = {
    "shared/outbox.py": "the relay: publishes outbox rows after their transaction committed",
    "shared/kafka.py": "the factory: builds the producer the relay uses",
}
PRODUCER_TYPES = frozenset({"AIOKafkaProducer", "Publisher"})
PRODUCER_FACTORIES = frozenset({"create_producer"})
KAFKA_ONLY_SENDS = frozenset({"send_and_wait", "send_batch"})
PRODUCER_LIKE = re.compile("producer|publisher", re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _name(node: ast.AST) -> str | None:
    """``x`` for ``x`` and for ``a.b.x``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Module:
    """What one module imports and binds as Kafka producers."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases = {  # local name -> the producer type or factory it imports
            alias.asname or alias.name: alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.name in PRODUCER_TYPES | PRODUCER_FACTORIES
        }
        self.producers: set[str] = set()  # names bound to or annotated as a producer
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and self._makes_producer(node.value):
                self.producers.update(filter(None, map(_name, node.targets)))
            elif isinstance(node, ast.AnnAssign) and (
                self._makes_producer(node.value) or self._mentions_producer(node.annotation)
            ):
                self.producers.update(filter(None, [_name(node.target)]))
            elif isinstance(node, ast.arg) and self._mentions_producer(node.annotation):
                self.producers.add(node.arg)

    def real(self, node: ast.AST) -> str | None:
        name = _name(node)
        return self.aliases.get(name, name) if name else None

    def _makes_producer(self, value: ast.expr | None) -> bool:
        return isinstance(value, ast.Call) and (
            self.real(value.func) in PRODUCER_TYPES | PRODUCER_FACTORIES
        )

    def _mentions_producer(self, annotation: ast.expr | None) -> bool:
        for node in ast.walk(annotation) if annotation else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if any(kind in node.value for kind in PRODUCER_TYPES):
                    return True
            elif self.real(node) in PRODUCER_TYPES:
                return True
        return False

    def is_producer(self, name: str) -> bool:
        return name in self.producers or PRODUCER_LIKE.search(name) is not None

    def offence(self, call: ast.Call) -> str | None:
        called = self.real(call.func)
        if called == "AIOKafkaProducer":
            return "constructs AIOKafkaProducer"
        if called in PRODUCER_FACTORIES:
            return f"calls {called}()"
        if not isinstance(call.func, ast.Attribute):
            return None
        method, receiver = call.func.attr, _name(call.func.value)
        if method in KAFKA_ONLY_SENDS:
            return f"calls .{method}()"
        if method == "send" and receiver is not None and self.is_producer(receiver):
            return f"calls {receiver}.send() on a Kafka producer"
        return None


def publishing_calls(source: str, path: str) -> list[Violation]:
    """Where ``source`` makes a Kafka producer or sends with one."""
    tree = ast.parse(source, filename=path)
    module = _Module(tree)
    found = [
        Violation(path, node.lineno, offence)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and (offence := module.offence(node)) is not None
    ]
    return sorted(found, key=lambda violation: violation.line)


def _modules() -> list[Path]:
    return sorted(path for root in SCANNED for path in (ROOT / root).rglob("*.py"))


def test_nothing_outside_the_relay_publishes_to_kafka() -> None:
    violations = [
        violation
        for path in _modules()
        if (relative := path.relative_to(ROOT).as_posix()) not in ALLOWED
        for violation in publishing_calls(path.read_text(encoding="utf-8"), relative)
    ]
    assert not violations, (
        "only the outbox relay may publish to Kafka (write an outbox row in the business "
        "transaction instead):\n" + "\n".join(map(str, violations))
    )


def test_the_allowed_modules_exist_and_are_where_publishing_happens() -> None:
    """A stale entry (the relay moved) would silently widen the allowance."""
    for relative in ALLOWED:
        path = ROOT / relative
        assert path.is_file(), f"{relative} is allowed to publish but does not exist"
        assert publishing_calls(path.read_text(encoding="utf-8"), relative), relative
    assert len(_modules()) > 50  # the walk really covers the code base


PLANTED = """
import aiokafka
from aiokafka import AIOKafkaProducer as Producer
from shared.kafka import Publisher, create_producer


async def record_sale(session, bus: "Publisher", out) -> None:
    await session.commit()
    kafka = Producer(bootstrap_servers="x")
    other = aiokafka.AIOKafkaProducer()
    made = create_producer("x")
    await kafka.send("orders.events", b"{}")
    await out.send_and_wait("orders.events", b"{}")
    await self._producer.send_batch(batch, "orders.events", partition=0)
    await bus.send([])
"""


def test_the_checker_names_each_planted_violation_with_its_line() -> None:
    found = [str(v) for v in publishing_calls(PLANTED, "services/orders/bad.py")]
    assert found == [
        "services/orders/bad.py:9: constructs AIOKafkaProducer",
        "services/orders/bad.py:10: constructs AIOKafkaProducer",
        "services/orders/bad.py:11: calls create_producer()",
        "services/orders/bad.py:12: calls kafka.send() on a Kafka producer",
        "services/orders/bad.py:13: calls .send_and_wait()",
        "services/orders/bad.py:14: calls .send_batch()",
        "services/orders/bad.py:15: calls bus.send() on a Kafka producer",
    ]


def test_sends_that_are_not_kafka_are_left_alone() -> None:
    source = """
import aiosmtplib

async def deliver(self, message, client):
    await aiosmtplib.send(message, hostname="smtp")
    await self._sms.send("id", "138", "body")
    await client.send(request)
"""
    assert publishing_calls(source, "services/messaging/delivery/kinds/email.py") == []


def test_a_planted_violation_in_a_real_module_fails_the_walk() -> None:
    module = ROOT / "services" / "loyalty" / "points" / "service.py"
    planted = module.read_text(encoding="utf-8") + (
        "\n\nasync def _publish_directly(producer: AIOKafkaProducer) -> None:\n"
        "    await producer.send('loyalty.events', b'{}')\n"
    )
    [violation] = publishing_calls(planted, "services/loyalty/points/service.py")
    assert violation.what == "calls producer.send() on a Kafka producer"
    assert violation.line == len(planted.splitlines())

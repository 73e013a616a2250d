from __future__ import annotations

from collections import Counter

import pytest
from _pytest.nodeid import NodeId
from hypothesis import settings

from tests.ast_guard import guard_ast_parse
from tests.scheduling import CostFirstScheduling

# before any test starts a thread that may parse
guard_ast_parse()

pytest_plugins = ["tests.fixtures", "tests.fuzz.summary"]

# Speed is measured by the benchmarks, not by a deadline per example: hypothesis's default
# 200 ms failed a pure domain property (tests/orders/discounts/test_domain.py) on a machine
# with a load average of 10, which says nothing about the code.
settings.register_profile("huiyuan", deadline=None)
settings.load_profile("huiyuan")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs the schema fuzz last: it fills the session's database with whatever it made up
    and leaves its five services' events on the session's broker, which no other test
    expects.

    Schemathesis names each operation's test ``test_<service>[<operation>]`` but gives every
    one of a service the node id ``...::test_<service>``; pytest-xdist finds a test by its
    node id, and would run the first operation's over and over instead of the others.
    """
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
    repeated = Counter(item.nodeid for item in items)
    for item in items:
        if repeated[item.nodeid] > 1 and item.parent is not None:
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> CostFirstScheduling:
    """Parallel runs (``make test``) schedule as :mod:`tests.scheduling` says, whatever
    ``--dist``."""
    return CostFirstScheduling(config, log)

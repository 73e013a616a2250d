"""A schema-driven fuzzer over the five services' OpenAPI (schemathesis).

Every case is a real request to a real server, as an admin or as the seeded member, with a
real store API key; every answer must be no server error, of a documented status and
content type, and match its documented schema. Bounded here; ``make fuzz`` runs it long.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis import Case

from tests.fuzz.target import FuzzTarget, max_examples

pytestmark = [
    pytest.mark.fuzz,
    # schemathesis' own strategies draw from `random`, which Hypothesis warns about
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": max_examples()},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)


def _fuzzing(service: str) -> Callable[..., None]:
    settings = importlib.import_module(f"services.{service}.config").Settings(environment="test")
    app = importlib.import_module(f"services.{service}.main").create_app(settings)
    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)

    @schema.parametrize()
    @hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
    def test(case: Case[Any], target: FuzzTarget) -> None:
        target.exercise(service, case)

    fuzzed: Callable[..., None] = test  # schemathesis' decorator returns Any
    return fuzzed


test_customer = _fuzzing("customer")
test_orders = _fuzzing("orders")
test_loyalty = _fuzzing("loyalty")
test_messaging = _fuzzing("messaging")
test_analytics = _fuzzing("analytics")

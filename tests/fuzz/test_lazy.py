"""The fuzz's operations are collected without their tests, and each test built at setup is
the one schemathesis would have built at collection (:mod:`tests.fuzz.lazy`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import is_hypothesis_test
from schemathesis import Case
from schemathesis.pytest.plugin import SchemathesisCase

from tests.fuzz.lazy import LazyOperations, build_for

_ITEM = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 20}, "stock": {"type": "integer"}},
}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "items", "version": "1"},
    "paths": {
        "/items": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ITEM,
                            "example": {"name": "tea", "stock": 3},
                        }
                    },
                },
                "responses": {"201": {"description": "made"}},
            }
        },
        "/items/{item_id}": {
            "get": {
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "fields",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["name", "stock"]},
                    },
                ],
                "responses": {"200": {"description": "the item"}},
            }
        },
    },
}
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 19,
        "generation": {"mode": "all", "max-examples": 7},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)


def _collect(kind: type[SchemathesisCase], request: pytest.FixtureRequest) -> list[pytest.Function]:
    """The items ``kind`` collects of a test over :data:`SPEC`, in this test's module."""
    schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)

    @schema.parametrize()
    def test_items(case: Case[Any], target: object) -> None:
        """Stands for the fuzz's tests: a case and a fixture."""

    collector = kind.from_parent(
        request.node.parent, test_function=test_items, name="test_items", schema=schema
    )
    items: list[pytest.Function] = collector.collect()
    return items


def _shown(test: Callable[..., None]) -> list[tuple[object, ...]]:
    """What each explicit case (the examples and coverage phases) sends."""
    cases: list[Case[Any]] = [
        example.kwargs["case"]
        for example in getattr(test, "hypothesis_explicit_examples", [])  # none when none made
    ]
    return [
        (
            case.method,
            case.path,
            case.path_parameters,
            case.query,
            dict(case.headers or {}),
            case.body,
        )
        for case in cases
    ]


def test_collection_makes_the_same_items_and_builds_none_of_their_tests(
    request: pytest.FixtureRequest,
) -> None:
    eager = _collect(SchemathesisCase, request)
    lazy = _collect(LazyOperations, request)

    assert (
        [item.name for item in lazy]
        == [item.name for item in eager]
        == [
            "test_items[POST /items]",
            "test_items[GET /items/{item_id}]",
        ]
    )
    assert all(is_hypothesis_test(item.obj) for item in eager)
    assert not any(is_hypothesis_test(item.obj) for item in lazy)
    # the same fixtures: the test's own, but the case, which Hypothesis draws
    assert [item.fixturenames for item in lazy] == [item.fixturenames for item in eager]
    assert "target" in lazy[0].fixturenames
    assert "case" not in lazy[0].fixturenames


def test_setup_builds_the_test_schemathesis_would_have(request: pytest.FixtureRequest) -> None:
    eager = _collect(SchemathesisCase, request)
    lazy = _collect(LazyOperations, request)

    for made, deferred in zip(eager, lazy, strict=True):
        build_for(deferred)
        built = deferred.obj
        expected = made.obj
        assert is_hypothesis_test(built)
        assert _shown(built) == _shown(expected)
        assert len(_shown(built)) > 1  # an example or coverage case at least, per operation
        # settings (max_examples, phases, ...) compare by their repr: each build makes its own
        assert repr(built._hypothesis_internal_use_settings) == repr(
            expected._hypothesis_internal_use_settings
        )
        assert built._hypothesis_internal_use_seed == expected._hypothesis_internal_use_seed
        build_for(deferred)  # a second setup of the same item keeps what it built
        assert deferred.obj is built

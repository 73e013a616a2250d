"""Each operation's fuzz test built on the worker that runs it, when it runs.

Schemathesis builds every operation's Hypothesis test at collection: its explicit examples
and its coverage phase's cases, about 25 CPU-seconds for the five services' 289 operations.
Under pytest-xdist every worker collects every test, so each of them paid that for all the
operations, though it runs a third of them. Here collection makes each operation's item
around a stand-in of the same signature, and the item's setup swaps in the test that
schemathesis would have built (:func:`build`), with the same settings, phases, examples and
coverage cases: what runs is the same, only where and when it is built moves.

This leans on schemathesis' collector (``SchemathesisCase``) and its private test builder,
the one its collector calls; ``pyproject.toml`` pins the version they come from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import Any

import pytest
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Ok, Result
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.pytest.plugin import (
    SchemathesisCase,
    SchemathesisFunction,
    _attach_async_inner,
)
from schemathesis.schemas import APIOperation

_BUILD = pytest.StashKey[Callable[[], Callable[..., None]]]()


class LazyOperations(SchemathesisCase):
    """A schema's operations as test items whose Hypothesis tests are built at setup."""

    def _gen_items(
        self,
        result: Result[APIOperation[Any, Any, Any, Any], InvalidSchema],
        feedback: FeedbackSources,
    ) -> Generator[SchemathesisFunction]:
        if self.is_invalid_test or not isinstance(result, Ok):
            # collection's own error items, made as schemathesis makes them
            yield from super()._gen_items(result, feedback)
            return
        operation = result.ok()

        def build() -> Callable[..., None]:
            test: Callable[..., None] = build_operation_test(
                config=self.schema.config,
                operation=operation,
                test_func=self.test_function,
                given_kwargs=self.given_kwargs,
                feedback=feedback,
            )
            _attach_async_inner(test, self.test_function)
            return test

        items = self._make_items(
            self._stand_in(), self._get_test_name(operation), operation.label, operation.tags
        )
        for item in items:
            item.stash[_BUILD] = build
            yield item

    def _stand_in(self) -> Callable[..., None]:
        """A function taking the fixtures the built test will take: the test's parameters
        but those Hypothesis draws (``case`` and any ``given``)."""

        def stand_in(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("an operation's fuzz test ran before its setup built it")

        drawn = {"case", *self.given_kwargs}
        signature = inspect.signature(self.test_function)
        kept = [p for p in signature.parameters.values() if p.name not in drawn]
        stand_in.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
        stand_in.__name__ = self.name
        return stand_in


def lazy(made: object, collector: pytest.Module | pytest.Class, name: str, obj: object) -> object:
    """What ``pytest_pycollect_makeitem`` made of ``collector``'s attribute ``name``
    (``obj``), with a schemathesis collector replaced by a :class:`LazyOperations`."""
    if type(made) is not SchemathesisCase:
        return made
    return LazyOperations.from_parent(collector, test_function=obj, name=name, schema=made.schema)


def build_for(item: pytest.Item) -> None:
    """Puts ``item``'s Hypothesis test in place of its stand-in, if it has one; the test
    is built once per item, on the worker that runs it."""
    build = item.stash.get(_BUILD, None)
    if build is not None and isinstance(item, pytest.Function):
        item.obj = build()
        del item.stash[_BUILD]

"""The test processes' ``ast.parse`` survives a parse in another thread mid-construction.

A parallel ``make test`` failed in the schema fuzz with ``SystemError: AST constructor
recursion depth mismatch``: Hypothesis parsed a lambda's source while a service's thread
logged an error (CPython gh-106905, see tests/ast_guard.py). The race is made certain here:
every garbage collection during a large parse runs a parse in another thread.
"""

from __future__ import annotations

import ast
import gc
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.ast_guard import AFFECTED, unguarded_parse

LARGE = Path(ast.__file__).read_text()  # a module of ~1,800 lines: many collections


def _parse_racing_other_thread(parse: Callable[..., Any]) -> tuple[SystemError | None, int]:
    """Parses ``LARGE`` with ``parse`` while every collection meanwhile parses an
    expression in a second thread, and waits for it (a while: a lock may hold it back);
    the error the parse raised, if any, and how many parses ran meanwhile."""
    parsed_meanwhile: list[ast.Module] = []
    racing = False

    def parse_in_other_thread(phase: str, _: dict[str, int]) -> None:
        nonlocal racing
        if phase != "start" or racing:
            return
        racing = True
        try:
            other = threading.Thread(target=lambda: parsed_meanwhile.append(parse("a[b]")))
            other.start()
            other.join(timeout=1)
        finally:
            racing = False

    assert gc.isenabled()
    gc.callbacks.append(parse_in_other_thread)
    try:
        parse(LARGE)
    except SystemError as error:
        return error, len(parsed_meanwhile)
    finally:
        gc.callbacks.remove(parse_in_other_thread)
    return None, len(parsed_meanwhile)


def test_the_interpreters_own_parse_fails_exactly_where_the_guard_is_installed() -> None:
    error, raced = _parse_racing_other_thread(unguarded_parse)

    assert (error is not None) == AFFECTED, error
    assert raced > 0
    assert error is None or "recursion depth mismatch" in str(error)
    assert (ast.parse is not unguarded_parse) == AFFECTED


def test_the_parse_tests_call_survives_the_race() -> None:
    error, _ = _parse_racing_other_thread(ast.parse)

    assert error is None
    assert ast.dump(ast.parse(LARGE)) == ast.dump(unguarded_parse(LARGE))

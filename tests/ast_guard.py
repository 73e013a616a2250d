"""``ast.parse`` made safe to call from several threads on the CPython releases where it is not.

CPython 3.11.0–3.11.7 and 3.12.0–3.12.1 count the AST constructor's recursion depth in one
interpreter-wide counter (gh-106905, fixed in 3.11.8 and 3.12.2). A garbage collection
during the construction runs Python code (finalizers, ``gc.callbacks``), which may switch
threads; a parse in the other thread resets the counter, and the first parse then fails with
``SystemError: AST constructor recursion depth mismatch``. A test process parses in several
threads: Hypothesis reads a lambda's source to describe a strategy in the test's thread,
while a service served in a thread of its own logs an error, and the traceback's ``^^^``
markers come from parsing each line.

On those releases, :func:`guard_ast_parse` makes ``ast.parse`` hold a lock and pause the
garbage collector for the parse: no collection, so no Python code and no thread switch inside
the construction, and no second parse meanwhile. The services themselves run one thread
per process and need no guard.
"""

from __future__ import annotations

import ast
import gc
import sys
import threading
from typing import Any

AFFECTED = sys.version_info < (3, 11, 8) or (3, 12) <= sys.version_info < (3, 12, 2)
unguarded_parse = ast.parse
_parsing = threading.RLock()


def _guarded_parse(*args: Any, **kwargs: Any) -> Any:
    with _parsing:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return unguarded_parse(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()


def guard_ast_parse() -> None:
    """Replaces ``ast.parse`` by the guarded one on an affected interpreter; else does nothing."""
    if AFFECTED:
        ast.parse = _guarded_parse

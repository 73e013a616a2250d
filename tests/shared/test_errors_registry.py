"""Every problem type URI names one error class: the catalogue (docs/problems.md) and every
client branching on ``type`` rely on it."""

from __future__ import annotations

import pytest

from shared.errors import PROBLEM_TYPES, NotFound, problem_type_uri


def test_a_slug_declared_again_elsewhere_is_refused() -> None:
    taken = next(iter(PROBLEM_TYPES)).removeprefix(problem_type_uri(""))
    with pytest.raises(TypeError, match="declared twice"):

        class Again(NotFound):
            slug = taken

    assert PROBLEM_TYPES[problem_type_uri(taken)].__name__ != "Again"

"""Loyalty's OpenAPI, as the other services' is checked: every input bounded."""

from __future__ import annotations

from services.loyalty.main import create_app
from shared.inputs import unbounded_inputs


def test_no_input_of_the_api_is_unbounded() -> None:
    """Every string has a length and a pattern or format, every integer a range, every list
    and map a size (a map's keys a length and pattern, or a bounded format such as uuid):
    the schema fuzzer generates both sides of each bound."""
    assert unbounded_inputs(create_app().openapi()) == []

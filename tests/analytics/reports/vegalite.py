"""Checks of what the reports draw: the Vega-Lite v5 JSON schema Altair ships (the spec a
frontend gets), and a PNG's size from its header."""

from __future__ import annotations

import json
import struct
from functools import cache
from importlib import resources

import jsonschema

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@cache
def vega_lite_schema() -> jsonschema.protocols.Validator:
    text = resources.files("altair.vegalite.v5.schema").joinpath("vega-lite-schema.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def png_size(body: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, right after the signature."""
    assert body[:8] == PNG_SIGNATURE
    assert body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    return width, height

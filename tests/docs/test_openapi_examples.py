"""Every endpoint a user calls shows an example in its service's OpenAPI document."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from huiyuan.provision import SERVICES


def _examples_in(node: Any, schemas: dict[str, Any], seen: set[str]) -> bool:
    text = json.dumps(node)
    if '"example' in text:
        return True
    for ref in text.split('"$ref": "#/components/schemas/')[1:]:
        name = ref.split('"', 1)[0]
        if name not in seen:
            seen.add(name)
            if _examples_in(schemas.get(name, {}), schemas, seen):
                return True
    return False


@pytest.mark.parametrize("service", SERVICES)
def test_every_endpoint_has_examples(service: str) -> None:
    app = importlib.import_module(f"services.{service}.main").create_app()
    spec = app.openapi()
    schemas = spec.get("components", {}).get("schemas", {})
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "operations" in operation.get("tags", []):
                continue  # /healthz, /readyz, /metrics
            success = {
                code: response
                for code, response in operation.get("responses", {}).items()
                if code.startswith("2")
            }
            parts = [success] + ([operation["requestBody"]] if "requestBody" in operation else [])
            if not all(_examples_in(part, schemas, set()) for part in parts):
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"{service}: endpoints without examples: {missing}"

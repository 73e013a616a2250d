from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.manifests import Manifest, load_kustomization, load_resources
from tests.deploy.topology import load_compose


@pytest.fixture(scope="module")
def kustomization() -> Manifest:
    return load_kustomization()


@pytest.fixture(scope="module")
def manifests(kustomization: Manifest) -> list[Manifest]:
    return load_resources(kustomization)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()

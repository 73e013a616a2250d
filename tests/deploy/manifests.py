"""deploy/k8s as the deployment tests read it: the kustomization's resources, by kind and name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.deploy.topology import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
SECRET_TEMPLATE = "secret.example.yaml"
AUTOSCALED = ("customer", "orders")
"""The services a HorizontalPodAutoscaler scales on CPU: their work is HTTP requests. Loyalty,
messaging and analytics spend theirs consuming events, which a topic's partitions bound."""

Manifest = dict[str, Any]


def load(path: Path) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def load_kustomization() -> Manifest:
    loaded: Manifest = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return loaded


def load_resources(kustomization: Manifest) -> list[Manifest]:
    return [manifest for name in kustomization["resources"] for manifest in load(K8S / name)]


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    [found] = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container(workload: Manifest) -> dict[str, Any]:
    [only] = workload["spec"]["template"]["spec"]["containers"]
    found: dict[str, Any] = only
    return found


def config_map(manifests: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = find(manifests, "ConfigMap", "huiyuan")["data"]
    return data


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    return [m for m in manifests if m["kind"] in {"Deployment", "Job"}]

"""deploy/k8s is valid Kubernetes, scales the way the services can, and is compose's twin.

The schemas are the Kubernetes API's own, as the ``kubernetes-validate`` package ships them
(strict: a field the API does not know is an error, as ``kubectl apply`` would refuse it);
nothing here needs a cluster or the network.
"""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest
from kubernetes_validate.utils import all_versions, major_minor
from packaging.version import Version

from tests.deploy.manifests import (
    AUTOSCALED,
    K8S,
    SECRET_TEMPLATE,
    Manifest,
    config_map,
    container,
    find,
    load,
    of_kind,
)
from tests.deploy.topology import SERVICES, environment

OLDEST = Version("1.30")
"""The oldest Kubernetes minor the manifests are checked against (and so claim to run on)."""
VERSIONS = sorted({major_minor(v) for v in all_versions() if Version(v) >= OLDEST}, key=Version)
CONSUMER_BOUND = tuple(name for name in SERVICES if name not in AUTOSCALED)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_api(
    manifests: list[Manifest], version: str
) -> None:
    for manifest in [*manifests, *load(K8S / SECRET_TEMPLATE)]:
        assert kubernetes_validate.validate(manifest, version, strict=True) == version


def test_the_validator_refuses_a_field_the_api_does_not_know(manifests: list[Manifest]) -> None:
    deployment = copy.deepcopy(find(manifests, "Deployment", "orders"))
    probe = container(deployment)["readinessProbe"]
    probe["httpGett"] = probe.pop("httpGet")
    with pytest.raises(kubernetes_validate.ValidationError, match="httpGett"):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_disruption_budget_that_keeps_a_pod_serving(
    manifests: list[Manifest], name: str
) -> None:
    deployment = find(manifests, "Deployment", name)
    budget = find(manifests, "PodDisruptionBudget", name)["spec"]
    assert budget["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    autoscaler = of_kind(manifests, "HorizontalPodAutoscaler").get(name)
    fewest = autoscaler["spec"]["minReplicas"] if autoscaler else deployment["spec"]["replicas"]
    assert fewest - budget["maxUnavailable"] >= 1


def test_only_the_http_bound_services_autoscale_on_their_cpu_request(
    manifests: list[Manifest],
) -> None:
    autoscalers = of_kind(manifests, "HorizontalPodAutoscaler")
    assert set(autoscalers) == set(AUTOSCALED)
    partitions = int(config_map(manifests)["TOPIC_PARTITIONS"])
    for name, autoscaler in autoscalers.items():
        spec = autoscaler["spec"]
        assert spec["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert 2 <= spec["minReplicas"] < spec["maxReplicas"]
        # every replica's consumer gets a partition of the topics it reads
        assert spec["maxReplicas"] <= partitions
        [metric] = spec["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["type"] == "Utilization"
        # Utilization is a share of the request: without one the autoscaler does nothing
        deployment = find(manifests, "Deployment", name)
        assert container(deployment)["resources"]["requests"]["cpu"]


@pytest.mark.parametrize("name", CONSUMER_BOUND)
def test_consumer_bound_services_run_no_more_replicas_than_partitions(
    manifests: list[Manifest], name: str
) -> None:
    """A consumer beyond a topic's partitions gets none: it would cost a pod and add nothing."""
    partitions = int(config_map(manifests)["TOPIC_PARTITIONS"])
    assert 2 <= find(manifests, "Deployment", name)["spec"]["replicas"] <= partitions


def test_every_pod_creates_topics_with_the_same_partitions_as_compose(
    manifests: list[Manifest], compose: dict[str, Any]
) -> None:
    """Whichever service starts first creates the topics, so all must agree."""
    for name in SERVICES:
        [entry] = [
            e
            for e in container(find(manifests, "Deployment", name))["env"]
            if e["name"] == "HUIYUAN_TOPIC_PARTITIONS"
        ]
        assert entry["valueFrom"]["configMapKeyRef"]["key"] == "TOPIC_PARTITIONS"
        assert (
            environment(compose, name)["HUIYUAN_TOPIC_PARTITIONS"]
            == (config_map(manifests)["TOPIC_PARTITIONS"])
        )


def test_compose_runs_the_same_processes_on_one_host(
    manifests: list[Manifest], compose: dict[str, Any]
) -> None:
    """Compose's services are the Deployments, the migration Job, and the two servers the
    cluster takes from outside (PostgreSQL and Kafka, README.md)."""
    ours = set(of_kind(manifests, "Deployment")) | {
        job["metadata"]["labels"]["app.kubernetes.io/name"]
        for job in of_kind(manifests, "Job").values()
    }
    assert set(compose["services"]) == ours | {"postgres", "kafka"}

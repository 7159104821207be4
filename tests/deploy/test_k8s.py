"""deploy/k8s as CI checks it: every overlay renders with kubectl kustomize, core kinds pass
kubernetes-validate (strict), the Strimzi and KEDA resources pass schemas of the fields they use,
and the rendered deployment keeps the rules ops rely on (probes, limits, non-root, grace, scaling)."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from aduan import k8s
from shared.kafka_access import KEDA, SERVICES, principals
from shared.topics import ALL_TOPICS
from tests.deploy.conftest import ROOT, tool

K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ["dev", "prod"]
CORE_GROUPS = {"v1", "apps/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}
CUSTOM = {"KafkaTopic", "KafkaUser", "ScaledObject", "TriggerAuthentication", "PrometheusRule", "PodMonitor"}
CONSUMERS = ("routing", "forwarder", "notifier")


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [tool("kubectl"), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def of(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in rendered(overlay) if d["kind"] == kind}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_a_core_kind_that_validates_or_a_checked_custom_kind(overlay: str) -> None:
    version = kubernetes_validate.latest_version()
    for doc in rendered(overlay):
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] in CUSTOM:
            schema = json.loads((ROOT / "tests" / "deploy" / "schemas" / f"{doc['kind']}.json").read_text())
            jsonschema.validate(doc, schema)
        else:
            assert doc["apiVersion"] in CORE_GROUPS, name
            kubernetes_validate.validate(doc, version, strict=True)


def test_schemas_reject_what_the_operators_would_reject() -> None:
    schema = json.loads((ROOT / "tests" / "deploy" / "schemas" / "KafkaUser.json").read_text())
    user = k8s.user_resources()[0]
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Reed"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(user, schema)


SECRET_WORDS = ("PASSWORD", "API_KEY", "SECRET", "DATABASE_URL")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_inlined(overlay: str) -> None:
    assert not of(overlay, "Secret")
    for config in of(overlay, "ConfigMap").values():
        assert not [k for k in config["data"] if any(w in k.upper() for w in SECRET_WORDS)]
    for deployment in of(overlay, "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"] + pod["initContainers"]:
            for env in container.get("env", []):
                if any(w in env["name"] for w in SECRET_WORDS):
                    assert "value" not in env and "secretKeyRef" in env["valueFrom"], env["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_deployment_keeps_the_rules(overlay: str) -> None:
    deployments = of(overlay, "Deployment")
    config = next(c for n, c in of(overlay, "ConfigMap").items() if n.startswith("aduan-config"))
    grace = float(config["data"]["ADUAN_SHUTDOWN_GRACE_S"])
    assert set(deployments) == {f"aduan-{s}" for s in SERVICES}
    for name, deployment in deployments.items():
        service = name.removeprefix("aduan-")
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["terminationGracePeriodSeconds"] > grace + 5  # the batch in hand is finished and committed
        assert [c["args"] for c in pod["initContainers"]] == [["migrate", service]]
        (container,) = pod["containers"]
        assert container["args"] == [service]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]) & set(container["resources"]["limits"])
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"  # not the broker
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"  # the broker and the database
        env = {e["name"]: e for e in container["env"]}
        assert env["ADUAN_KAFKA_SASL_USERNAME"]["value"] == SERVICES[service].name
        assert env["ADUAN_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == SERVICES[service].name
        assert "secretKeyRef" in env["DATABASE_URL"]["valueFrom"]
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])  # writable despite read-only root
    assert set(of(overlay, "PodDisruptionBudget")) == set(deployments)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_intake_has_a_service_and_an_hpa_and_consumers_scale_on_lag(overlay: str) -> None:
    assert "aduan-intake" in of(overlay, "Service")
    hpa = of(overlay, "HorizontalPodAutoscaler")["aduan-intake"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "aduan-intake"
    scaled = of(overlay, "ScaledObject")
    assert set(scaled) == {f"aduan-{s}" for s in CONSUMERS}
    partitions = {t.name: t.partitions for t in ALL_TOPICS}
    for name, obj in scaled.items():
        service = SERVICES[name.removeprefix("aduan-")]
        groups = {service.group(k8s.Topics(), s.subscription): s.topic for s in service.reads}
        assert obj["spec"]["scaleTargetRef"]["name"] == name
        for trigger in obj["spec"]["triggers"]:
            meta = trigger["metadata"]
            assert groups[meta["consumerGroup"]] == meta["topic"]  # a group the service really uses, on its topic
            assert obj["spec"]["maxReplicaCount"] <= partitions[meta["topic"]]
        assert obj["spec"]["minReplicaCount"] <= obj["spec"]["maxReplicaCount"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default(overlay: str) -> None:
    policies = of(overlay, "NetworkPolicy")
    deny = policies["aduan-default-deny"]["spec"]
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in deny and "egress" not in deny


def test_the_sla_policy_configmap_is_the_notifiers_policy() -> None:
    copy = (K8S / "base" / "config" / "policy.toml").read_text()
    assert copy == (ROOT / "services" / "notifier" / "policy.toml").read_text(), "copy the policy into deploy/k8s"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_routing_reads_its_rules_and_the_notifier_its_chain_from_configmaps(overlay: str) -> None:
    maps = of(overlay, "ConfigMap")
    rules = next(m for name, m in maps.items() if name.startswith("aduan-routing-rules"))
    assert set(rules["data"]) == {"places.toml", "taxonomy.toml", "directory.toml"}
    assert rules["data"]["taxonomy.toml"] == (ROOT / "services" / "routing" / "data" / "taxonomy.toml").read_text()
    chain = next(m for name, m in maps.items() if name.startswith("aduan-notifier-config"))
    assert set(chain["data"]) == {"recipients.toml", "messages.toml"}
    deployments = of(overlay, "Deployment")
    routing = next(d for name, d in deployments.items() if name.endswith("routing"))
    container = routing["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert env["ADUAN_RULES_DIR"] in mounts


def test_strimzi_resources_are_current() -> None:
    for path, text in k8s.generated().items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} is stale: run `aduan k8s`"


def test_prod_carries_the_alert_rules_and_the_dashboard_and_scrapes_every_pod() -> None:
    rules = of("prod", "PrometheusRule")["aduan"]["spec"]["groups"]
    committed = yaml.safe_load((ROOT / "deploy" / "observability" / "prometheus" / "aduan-alerts.yaml").read_text())
    assert rules == committed["groups"]
    dashboard = of("prod", "ConfigMap")["aduan-grafana-dashboard"]
    assert json.loads(dashboard["data"]["aduan-pipeline.json"])["uid"] == "aduan-pipeline"
    selector = of("prod", "PodMonitor")["aduan"]["spec"]["selector"]["matchLabels"]
    for deployment in of("prod", "Deployment").values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()
        assert any(p["name"] == "http" for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"])
    assert not of("dev", "PrometheusRule")  # dev clusters need not run the Prometheus Operator


def test_every_declared_topic_and_principal_is_rendered() -> None:
    topics = of("prod", "KafkaTopic")
    assert {t["spec"]["topicName"]: t["spec"]["partitions"] for t in topics.values()} == {
        t.name: t.partitions for t in ALL_TOPICS
    }
    assert set(of("prod", "KafkaUser")) == {p.name for p in principals()} | {KEDA.name}
    keda = of("prod", "KafkaUser")[KEDA.name]["spec"]["authorization"]["acls"]
    assert {op for rule in keda for op in rule["operations"]} == {"Describe"}  # KEDA reads lag, never data
    assert {t["spec"]["replicas"] for t in of("dev", "KafkaTopic").values()} == {1}


def test_the_routing_rules_configmap_loads_as_routing_reads_it() -> None:
    """The ConfigMap holds the rule files but not the official region list: routing takes that one from the image."""
    from services.routing import rules
    from services.routing.app import rule_paths
    from services.routing.settings import RoutingSettings

    paths = rule_paths(RoutingSettings(rules_dir=K8S / "base" / "config" / "routing"))
    assert paths is not None and paths.regions.is_file()
    assert rules.load(paths).version == rules.load().version

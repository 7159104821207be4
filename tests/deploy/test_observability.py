"""The alert rules and the Grafana dashboard as CI checks them (an equivalent of `promtool check
rules`): every rule file is well-formed, every expression parses as PromQL, every template in an
annotation is balanced, and every metric either dashboard or rule reads is one the code exports or
one of Strimzi's Kafka Exporter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

import shared.kafka
import shared.metrics  # noqa: F401  (registers the domain metrics)
from tests.deploy.conftest import ROOT

OBSERVABILITY = ROOT / "deploy" / "observability"
RULE_FILES = sorted((OBSERVABILITY / "prometheus").glob("*.yaml"))
DASHBOARDS = sorted((OBSERVABILITY / "grafana").glob("*.json"))
# what Strimzi's Kafka Exporter exports (consumer lag and topic offsets)
KAFKA_EXPORTER = {
    "kafka_consumergroup_lag",
    "kafka_consumergroup_current_offset",
    "kafka_topic_partition_current_offset",
    "kafka_topic_partition_oldest_offset",
}
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "6h"}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def exported_metrics() -> set[str]:
    names: set[str] = set()
    for collector in REGISTRY.collect():
        if collector.name.startswith("aduan_"):
            # a labelled metric has no sample before its first use: its names follow from its type
            suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
            names |= {collector.name + suffix for suffix in suffixes.get(collector.type, ("",))}
    return names


def metrics_of(expr: str) -> set[str]:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)  # raises ValueError on bad PromQL
    return set(found)


def known() -> set[str]:
    # a counter or histogram exported before its first sample still has its family name
    return exported_metrics() | KAFKA_EXPORTER


def test_metric_names_are_known_to_the_check() -> None:
    assert {"aduan_routing_decisions_total", "aduan_sla_alerts_total", "aduan_lapor_breaker_state"} <= known()
    with pytest.raises(ValueError):
        metrics_of("sum(rate(aduan_forwards_total[5m])")


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_alert_rules_are_valid(path: Path) -> None:
    groups = yaml.safe_load(path.read_text())["groups"]
    assert groups and len({g["name"] for g in groups}) == len(groups)
    names = set()
    for group in groups:
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, rule
            assert rule["alert"] not in names
            names.add(rule["alert"])
            assert DURATION.match(rule["for"]), rule["for"]
            assert rule["labels"]["severity"] in ("warning", "critical")
            assert rule["annotations"]["summary"] and rule["annotations"]["runbook"]
            for text in rule["annotations"].values():
                assert text.count("{{") == text.count("}}"), text
            unknown = metrics_of(rule["expr"]) - known()
            assert not unknown, f"{rule['alert']} reads metrics nobody exports: {unknown}"


def test_the_alerts_ops_asked_for_exist() -> None:
    exprs = {
        rule["alert"]: rule["expr"]
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    }
    joined = "\n".join(exprs.values())
    for metric in ("kafka_consumergroup_lag", "complaints\\\\.forward\\\\.dlq", 'kind="breach"', "breaker_state"):
        assert metric in joined, metric


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.name for p in DASHBOARDS])
def test_dashboard_is_sound(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        xs, ys = range(grid["x"], grid["x"] + grid["w"]), range(grid["y"], grid["y"] + grid["h"])
        here = {(x, y) for x in xs for y in ys}
        assert not cells & here, f"{panel['title']} overlaps another panel"
        cells |= here
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"].strip("${}") in variables
            unknown = metrics_of(target["expr"]) - known()
            assert not unknown, f"{panel['title']} reads metrics nobody exports: {unknown}"
    titles = " ".join(p["title"].lower() for p in panels)
    for wanted in ("throughput", "lag", "agency", "triage", "forward", "breaker", "dlq", "breach", "delivered"):
        assert wanted in titles, wanted

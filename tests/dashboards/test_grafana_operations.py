"""The "RUM operations" Grafana dashboard and the alerting rules read Prometheus. No
Prometheus runs here, so each of their queries is checked against what the real
processes expose: every metric it names, and every label it selects, groups or names
series by, is in a scrape of a collector that took beacons and of a pipeline."""

import json
import re

import pytest
import yaml

from tests.support import ROOT, exposed_metrics

GRAFANA = ROOT / "dashboards" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "rum-operations.json").read_text())
RULES = yaml.safe_load((ROOT / "deploy" / "alerts.yml").read_text())
QUERIES = [
    *(
        pytest.param(
            target["expr"], target["legendFormat"], id=f"{panel['title']} {target['refId']}"
        )
        for panel in DASHBOARD["panels"]
        for target in panel["targets"]
    ),
    *(
        pytest.param(rule["expr"], rule["annotations"]["summary"], id=rule["alert"])
        for group in RULES["groups"]
        for rule in group["rules"]
    ),
]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory, store) -> dict[str, set[str]]:
    return exposed_metrics(store, tmp_path_factory.mktemp("collector"))


@pytest.mark.parametrize(("expr", "legend"), QUERIES)
def test_each_query_names_metrics_and_labels_the_processes_expose(expr, legend, exposed):
    names = re.findall(r"\brum_\w+", expr)
    assert names, expr
    for name in names:
        assert name in exposed, f"{name} is not exposed"
    wanted = set(re.findall(r"\{\{ *\$?(?:labels\.)?(\w+) *\}\}", legend))
    wanted |= set(re.findall(r"(\w+) *(?:=~|!~|!=|=)\s*\"", expr))  # {reason="…"}
    for group in re.findall(r"by \(([^)]*)\)", expr):
        wanted |= {label.strip() for label in group.split(",")}
    have = set().union(*(exposed[name] for name in names))
    assert wanted <= have, f"{wanted - have} not among the labels of {names}"


def test_prometheus_loads_the_rules_that_compose_mounts():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    assert "./deploy/alerts.yml:/etc/prometheus/alerts.yml:ro" in mounts
    for group in RULES["groups"]:
        for rule in group["rules"]:
            assert rule["alert"].startswith("Rum") and rule["labels"]["severity"] in (
                "page",
                "ticket",
            )


def test_every_panel_reads_the_provisioned_prometheus():
    (source,) = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    for panel in DASHBOARD["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}
        assert all(t["datasource"]["uid"] == source["uid"] for t in panel["targets"])

"""docs/operations.md stays true: every metric it lists is what the processes expose,
and every alerting rule has its section saying what to do (and no section is left
for a rule that is gone)."""

import re

import pytest
import yaml

from tests.support import ROOT, exposed_metrics

GUIDE = (ROOT / "docs" / "operations.md").read_text()
RULES = [
    rule
    for group in yaml.safe_load((ROOT / "deploy" / "alerts.yml").read_text())["groups"]
    for rule in group["rules"]
]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory, store) -> dict[str, set[str]]:
    return exposed_metrics(store, tmp_path_factory.mktemp("collector"))


def test_every_metric_in_the_guide_is_exposed_with_its_labels(exposed):
    listed = re.findall(r"^\| `(rum_\w+)(?:\{(\w+)\})?` \|", GUIDE, re.MULTILINE)
    assert len(listed) >= 19
    for name, label in listed:
        samples = {n for n in exposed if n == name or n.startswith(f"{name}_")}
        assert samples, f"{name} is not exposed"
        if label:
            assert any(label in exposed[n] for n in samples), f"{name} has no label {label}"


def test_every_alert_has_a_runbook_section_and_every_section_an_alert():
    sections = dict(re.findall(r"^### (Rum\w+) \((\w+)\)$", GUIDE, re.MULTILINE))
    assert sections == {rule["alert"]: rule["labels"]["severity"] for rule in RULES}

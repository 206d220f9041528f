"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked:
every service, image and setting the many-machines layout needs."""

from pathlib import Path

import pytest
import yaml

from beacon.settings import Settings
from beacon.sites import SiteFile
from tests.support import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_the_stack_has_kafka_clickhouse_migrate_collector_and_pipeline():
    assert set(SERVICES) >= {"kafka", "clickhouse", "migrate", "collector", "pipeline"}
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")
    assert SERVICES["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")


def test_kafka_runs_in_kraft_mode():
    env = SERVICES["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"


@pytest.mark.parametrize("role", ["migrate", "collector", "pipeline"])
def test_each_role_runs_the_one_image_with_the_shared_settings(role):
    service = SERVICES[role]
    assert service["build"] == "." and service["command"] == [role]
    env = service["environment"]
    assert env["RUM_TRANSPORT"] == "kafka://kafka:9092"
    assert env["RUM_STORE"].startswith("http://") and env["RUM_STORE"].endswith("@clickhouse:8123")
    known = {f"RUM_{name.upper()}" for name in Settings.__dataclass_fields__}
    assert set(env) <= known, f"unknown settings: {set(env) - known}"


def test_roles_start_only_after_a_successful_migration():
    assert SERVICES["migrate"]["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "clickhouse": {"condition": "service_healthy"},
    }
    for role in ("collector", "pipeline"):
        assert SERVICES[role]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_collector_is_published_and_drains_before_it_is_killed():
    collector = SERVICES["collector"]
    assert "8080:8080" in collector["ports"]
    assert collector["environment"]["RUM_HOST"] == "0.0.0.0"
    assert collector["stop_grace_period"] == "40s"
    spool = collector["environment"]["RUM_SPOOL_DIR"]  # kept across a container's restarts
    assert f"collector-spool:{spool}" in collector["volumes"]


def test_the_pipeline_serves_its_health_and_metrics_and_both_roles_are_scraped():
    pipeline = SERVICES["pipeline"]
    port = pipeline["environment"]["RUM_PIPELINE_PORT"]
    assert pipeline["environment"]["RUM_HOST"] == "0.0.0.0"
    assert f"localhost:{port}/healthz" in pipeline["healthcheck"]["test"][1]
    prometheus = SERVICES["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:")
    config_mount = "./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert config_mount in prometheus["volumes"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    scraped = {
        (sd["names"][0], str(sd["port"]))
        for job in config["scrape_configs"]
        for sd in job["dns_sd_configs"]
    }
    assert scraped == {
        ("collector", SERVICES["collector"]["environment"]["RUM_PORT"]),
        ("pipeline", port),
    }


def test_the_mounted_site_registry_parses():
    sites = SiteFile(str(ROOT / "deploy" / "sites.toml"), "http://unused").current
    assert sites.get("demo") is not None and sites.get("example") is not None


def test_the_image_builds_the_snippet_and_runs_rum():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "npm run --prefix js build" in dockerfile
    assert 'ENTRYPOINT ["rum"]' in dockerfile
    assert Path(ROOT / "js" / "package-lock.json").is_file()


def test_grafana_starts_with_the_plugin_the_datasource_and_the_dashboards():
    grafana = SERVICES["grafana"]
    env = grafana["environment"]
    assert env["GF_INSTALL_PLUGINS"] == "grafana-clickhouse-datasource"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"  # views only, and on localhost only
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":") for volume in grafana["volumes"])
    for source in mounts:
        assert (ROOT / source).is_dir(), source
    assert mounts["./dashboards/grafana/provisioning"] == "/etc/grafana/provisioning"
    home = env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].removeprefix(
        mounts["./dashboards/grafana/dashboards"] + "/"
    )
    assert (ROOT / "dashboards" / "grafana" / "dashboards" / home).is_file()

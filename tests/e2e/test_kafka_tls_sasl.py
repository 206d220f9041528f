"""The many-machines roles against a cluster reached as managed Kafka is: TLS with the
brokers' certificates verified, and SASL credentials (the local broker's 9094
listener). Beacons go from the collector through Kafka into the store; a wrong
password is reported, never a crash."""

import json
import signal
import uuid

import httpx

from tests.support import (
    BROKER_CA,
    free_port,
    make_beacon,
    pipeline_metric,
    pipeline_ready,
    query_chdb,
    running,
    spawned,
    wait_until,
)

RUM = ".venv/bin/rum"


def tls_env(tmp_path, password: str = "rum-secret") -> dict[str, str]:
    (tmp_path / "sites.toml").write_text('[sites.tls]\norigins = ["*"]\ncount_bots = true\n')
    topic = f"tls.{uuid.uuid4().hex[:10]}"
    return {
        "RUM_TRANSPORT": "kafka://127.0.0.1:9094",
        "RUM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "RUM_KAFKA_SASL_MECHANISM": "PLAIN",
        "RUM_KAFKA_USERNAME": "rum",
        "RUM_KAFKA_PASSWORD": password,
        "RUM_KAFKA_CA_FILE": str(BROKER_CA),
        "RUM_TOPIC": topic,
        "RUM_DEAD_LETTER_TOPIC": f"{topic}.dlq",
        "RUM_CONSUMER_GROUP": f"g-{uuid.uuid4().hex[:6]}",
        "RUM_STORE": f"chdb://{tmp_path / 'ch'}",
        "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
        "RUM_BATCH_WAIT_MS": "200",
        "RUM_LOG_FORMAT": "text",
        "RUM_PIPELINE_PORT": str(free_port()),
    }


def test_beacons_travel_through_a_cluster_that_needs_tls_and_sasl(kafka_tls, tmp_path):
    env = tls_env(tmp_path)
    with spawned([RUM, "migrate"], env, tmp_path / "migrate.log") as migrate:
        assert migrate.wait(120) == 0, (tmp_path / "migrate.log").read_text()[-2000:]
    assert "topics created" in (tmp_path / "migrate.log").read_text()
    ids = [f"pv{uuid.uuid4().hex[:20]}" for _ in range(20)]
    with (
        running([RUM, "collector"], env, tmp_path / "c.log") as collector,
        spawned([RUM, "pipeline"], env, tmp_path / "p.log") as pipeline,
    ):
        wait_until(lambda: pipeline_ready(env), 60, message="the pipeline ready")
        for page_view in ids:
            response = httpx.post(
                f"{collector.url}/v1/beacon",
                content=json.dumps(make_beacon("tls", id=page_view)),
                headers={"content-type": "text/plain"},
            )
            assert response.status_code == 204, response.text
        wait_until(
            lambda: pipeline_metric(env, "rum_pipeline_rows_written_total") == len(ids),
            60,
            message="the pipeline wrote every beacon",
        )
        assert collector.stopped_cleanly()
        pipeline.send_signal(signal.SIGTERM)
        assert pipeline.wait(60) == 0
    rows = query_chdb(tmp_path / "ch", "SELECT page_view_id FROM rum.page_views WHERE site = 'tls'")
    assert sorted(row["page_view_id"] for row in rows) == sorted(ids)


def test_a_wrong_password_leaves_the_collector_unready_and_says_why(kafka_tls, tmp_path):
    env = {**tls_env(tmp_path, password="wrong"), "RUM_PORT": str(free_port())}
    log = tmp_path / "c.log"
    with spawned([RUM, "collector"], env, log) as collector:
        url = f"http://127.0.0.1:{env['RUM_PORT']}"

        def answered() -> httpx.Response | None:
            try:
                return httpx.get(f"{url}/readyz", timeout=2)
            except httpx.TransportError:
                return None

        unready = wait_until(answered, 30, message="the collector answers")
        assert unready.status_code == 503
        wait_until(lambda: "Authentication failed" in log.read_text(), 30, message="the reason")
        assert collector.poll() is None  # retrying, not crashed
        assert answered().status_code == 503

"""The status server of `rum pipeline` (liveness, readiness, metrics); the real process
reporting a store outage is tested in tests/pipeline/test_faults.py."""

from starlette.testclient import TestClient

from beacon.pipeline_status import pipeline_status_app
from beacon.runtime import pipeline_service
from beacon.settings import Settings
from pipeline.memory_log import MemoryLog


def test_a_pipeline_not_running_is_neither_alive_nor_ready(store):
    service = pipeline_service(Settings(), store, MemoryLog(10))
    client = TestClient(pipeline_status_app(service))
    assert client.get("/healthz").status_code == 503
    unready = client.get("/readyz")
    assert unready.status_code == 503
    assert unready.json() == {"ready": False, "store": "ok", "partitions": [], "lag": 0}


def test_its_metrics_need_the_metrics_token_when_one_is_set(store):
    service = pipeline_service(Settings(), store, MemoryLog(10))
    client = TestClient(pipeline_status_app(service, metrics_token="s3cret"))
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.json() == {"error": "unauthorised"}
    scraped = client.get("/metrics", headers={"authorization": "Bearer s3cret"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert "rum_pipeline_rows_written_total 0.0" in scraped.text

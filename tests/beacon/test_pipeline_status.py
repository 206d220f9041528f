"""The status server of `rum pipeline` (liveness, readiness, metrics); the real process
reporting a store outage is tested in tests/pipeline/test_faults.py."""

import os
import socket
import subprocess

from starlette.testclient import TestClient

from beacon.pipeline_status import pipeline_status_app
from beacon.runtime import pipeline_service
from beacon.settings import Settings
from pipeline.memory_log import MemoryLog
from tests.support import ROOT


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


def test_a_status_port_in_use_stops_the_pipeline_at_start_saying_so(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "RUM_TRANSPORT": "kafka://127.0.0.1:9",  # never reached: the port is checked first
            "RUM_STORE": f"chdb://{tmp_path / 'ch'}",
            "RUM_PIPELINE_PORT": str(port),
        }
        done = subprocess.run(
            [".venv/bin/rum", "pipeline"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"rum: cannot serve the pipeline's status on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr

"""Every route and status of the collector, on a tiny app built inline per test."""

import asyncio
import json
import time
from pathlib import Path

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.publishers import spool as spool_module
from beacon.publishers.memory import MemoryPublisher
from beacon.publishers.spool import Spool
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.memory_log import MemoryLog
from tests.support import disk_full_after, make_beacon

ORIGIN = "https://shop.example"
SITES = SiteRegistry([Site("shop", frozenset({ORIGIN}))])


def app_with(
    tmp_path: Path,
    capacity: int = 1000,
    sites: SiteRegistry = SITES,
    peer: str = "testclient",
    **settings: object,
):
    snippet = tmp_path / "rum.js"
    snippet.write_text("/* snippet */")
    log = MemoryLog(capacity)
    app = create_app(
        Settings(snippet_path=str(snippet), **settings),  # type: ignore[arg-type]
        publisher=MemoryPublisher(log),
        sites=sites,
    )
    return TestClient(app, client=(peer, 50000)), log


def post(client: TestClient, body: bytes | str, content_type: str = "text/plain", **headers: str):
    return client.post(
        "/v1/beacon",
        content=body,
        headers={"content-type": content_type, "origin": ORIGIN, **headers},
    )


@pytest.fixture
def collector(tmp_path):
    client, log = app_with(tmp_path)
    with client:
        yield client, log


def test_a_valid_beacon_is_published_and_answered_204_with_cors(collector):
    client, log = collector
    beacon = make_beacon("shop")
    response = post(client, json.dumps(beacon))
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    (message,) = log.read(10)
    record = orjson.loads(message.value)
    assert record["page_view_id"] == beacon["id"]
    assert record["url"] == "https://shop.example/products/42"
    assert record["route"] == "/products/:id"
    assert record["client_network"] == ""  # the test client has no IP address


def test_application_json_is_accepted_too(collector):
    client, _ = collector
    beacon = json.dumps(make_beacon("shop"))
    assert post(client, beacon, "application/json; charset=utf-8").status_code == 204


@pytest.mark.parametrize("content_type", ["image/png", "multipart/form-data", ""])
def test_other_content_types_are_415(collector, content_type):
    client, log = collector
    response = post(client, json.dumps(make_beacon("shop")), content_type)
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert len(log) == 0


def test_invalid_beacons_are_400_with_a_reason(collector):
    client, log = collector
    response = post(client, json.dumps(make_beacon("shop", fcp="fast")))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_beacon",
        "detail": [{"loc": "fcp", "msg": "Input should be a valid number"}],
    }
    assert len(log) == 0


def test_shape_errors_are_counted_by_typed_reason(collector):
    client, log = collector
    error = {"m": "TypeError: x", "s": "https://shop.example/app.js", "l": 1, "c": 2}
    post(client, json.dumps(make_beacon("shop", fcp=9999999999999)))
    post(client, json.dumps(make_beacon("shop", err=[error] * 11)))
    post(client, json.dumps(make_beacon("shop", route="/" * 257)))
    post(client, b"{")
    metrics = client.get("/metrics").text
    for reason in ("out_of_range", "too_many_items", "string_too_long", "not_json"):
        assert f'rum_beacons_dropped_total{{reason="{reason}"}} 1.0' in metrics
    assert len(log) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not_json"),
        (b"{", "not_json"),
        (b"\xff\xff", "not_json"),
        (b'{"v":1}' * 3, "not_json"),
        (b"[1,2]", "invalid_beacon"),
    ],
)
def test_malformed_bodies_are_400(collector, body, reason):
    client, _ = collector
    response = post(client, body)
    assert response.status_code == 400 and response.json()["error"] == reason


def test_bodies_over_the_limit_are_413_whether_declared_or_streamed(collector):
    client, log = collector
    big = b"x" * (64 * 1024 + 1)
    assert post(client, big).status_code == 413

    def chunks():
        for _ in range(200):  # 10 MB, never declared up front
            yield b"y" * 50_000

    response = client.post(
        "/v1/beacon", content=chunks(), headers={"content-type": "text/plain", "origin": ORIGIN}
    )
    assert response.status_code == 413
    assert response.json() == {"error": "body_too_large", "detail": {"limit": 65536}}
    assert len(log) == 0


def test_unknown_sites_and_foreign_origins_are_403(collector):
    client, _ = collector
    assert post(client, json.dumps(make_beacon("other"))).status_code == 403
    response = post(client, json.dumps(make_beacon("shop")), origin="https://evil.example")
    assert response.status_code == 403
    assert response.json()["error"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers


def test_a_full_buffer_answers_503_with_retry_after(tmp_path):
    client, log = app_with(tmp_path, capacity=2)
    with client:
        statuses = [post(client, json.dumps(make_beacon("shop"))).status_code for _ in range(3)]
        assert statuses == [204, 204, 503]
        assert client.get("/readyz").status_code == 503
        full = post(client, json.dumps(make_beacon("shop")))
        assert full.headers["retry-after"] and full.json() == {"error": "overloaded"}
        log.commit(2)  # the pipeline caught up
        assert client.get("/readyz").status_code == 200


def test_preflight_allows_configured_origins_only(collector):
    client, _ = collector
    asked = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    ok = client.options("/v1/beacon", headers={"origin": ORIGIN, **asked})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in ok.headers["access-control-allow-methods"]
    refused = client.options("/v1/beacon", headers={"origin": "https://evil.example", **asked})
    assert refused.status_code == 403


def test_health_and_readiness(collector):
    client, _ = collector
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True, "buffered": 0, "services": True}


def test_unknown_paths_and_methods_answer_json(collector):
    client, _ = collector
    assert client.get("/nope").json() == {"error": "Not Found"}
    assert client.get("/v1/beacon").status_code == 405


def test_one_address_past_its_rate_gets_429_with_retry_after(tmp_path):
    client, log = app_with(tmp_path, rate_per_ip=2)
    with client:
        statuses = [post(client, json.dumps(make_beacon("shop"))).status_code for _ in range(5)]
        assert statuses == [204, 204, 204, 204, 429]  # a burst of twice the rate
        limited = post(client, json.dumps(make_beacon("shop")))
        assert limited.json()["error"] == "rate_limited_ip"
        assert int(limited.headers["retry-after"]) >= 1
        assert len(log) == 4


def test_a_trusted_proxys_forwarded_address_is_the_one_limited(tmp_path):
    client, log = app_with(tmp_path, peer="10.0.0.1", rate_per_ip=1, trusted_proxies="10.0.0.0/8")
    with client:
        for i in range(3):  # three clients behind the proxy: each within its own rate
            forwarded = {"x-forwarded-for": f"198.51.100.{i}"}
            assert post(client, json.dumps(make_beacon("shop")), **forwarded).status_code == 204
        stored = orjson.loads(log.read(1)[0].value)
        assert stored["client_network"] == "198.51.100.0/24"  # the full address is not stored
        same = {"x-forwarded-for": "198.51.100.0"}
        statuses = [
            post(client, json.dumps(make_beacon("shop")), **same).status_code for _ in range(3)
        ]
        assert statuses[-1] == 429


def test_semantic_errors_are_422_duplicates_409_and_sampled_views_204(tmp_path):
    sites = SiteRegistry(
        [Site("shop", frozenset({ORIGIN})), Site("half", frozenset({ORIGIN}), sample_rate=0.5)]
    )
    client, log = app_with(tmp_path, sites=sites, rate_per_ip=10_000)
    with client:
        disorder = make_beacon("shop")
        disorder["nav"]["loadEventEnd"] = 1.0
        response = post(client, json.dumps(disorder))
        assert response.status_code == 422
        assert response.json() == {
            "error": "timings_out_of_order",
            "detail": {"marks": "load_event_start>load_event_end"},
        }
        beacon = json.dumps(make_beacon("shop"))
        assert post(client, beacon).status_code == 204
        assert post(client, beacon).json() == {"error": "duplicate"}
        outcomes = [
            post(client, json.dumps(make_beacon("half", id=f"view{i:06d}"))).status_code
            for i in range(200)
        ]
        assert outcomes == [204] * 200
        assert 60 < len(log) - 1 < 140  # about half the views of "half" were kept
        metrics = client.get("/metrics").text
        assert 'rum_beacons_dropped_total{reason="timings_out_of_order"} 1.0' in metrics
        assert 'rum_beacons_dropped_total{reason="duplicate"} 1.0' in metrics
        assert 'rum_beacons_dropped_total{reason="sampled_out"}' in metrics
        assert 'rum_beacons_accepted_total{site="shop"} 1.0' in metrics
        assert "rum_publisher_buffer " in metrics


def test_metrics_can_require_a_token(tmp_path):
    client, _ = app_with(tmp_path, metrics_token="scrape")
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"authorization": "Bearer scrape"})
    assert ok.status_code == 200 and "rum_beacons_accepted" in ok.text


async def test_beacons_arriving_together_are_ingested_together_and_answered_each_its_own(
    tmp_path,
):
    client, log = app_with(tmp_path, capacity=3)
    transport = httpx.ASGITransport(app=client.app)
    good = [make_beacon("shop") for _ in range(3)]
    bodies = [
        json.dumps(good[0]),
        "{not json",
        json.dumps(make_beacon("other")),
        json.dumps(good[1]),
        json.dumps(good[2]),
        json.dumps(make_beacon("shop")),  # the fourth good one: the buffer holds three
    ]
    async with httpx.AsyncClient(transport=transport, base_url="http://collector") as http:
        responses = await asyncio.gather(
            *(
                http.post(
                    "/v1/beacon",
                    content=body,
                    headers={"content-type": "text/plain", "origin": ORIGIN},
                )
                for body in bodies
            )
        )
    assert [r.status_code for r in responses] == [204, 400, 403, 204, 204, 503]
    assert [r.json()["error"] for r in responses[1:3]] == ["not_json", "unknown_site"]
    stored = [orjson.loads(m.value)["page_view_id"] for m in log.read(10)]
    assert stored == [b["id"] for b in good]


def test_a_beacon_refused_because_its_spool_write_failed_is_taken_when_retried(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(spool_module, "UNHEALTHY_AFTER_FAILURE_S", 0.3)
    snippet = tmp_path / "rum.js"
    snippet.write_text("/* snippet */")
    spool = Spool(tmp_path / "spool")
    spool.open()
    log = MemoryLog(100)
    app = create_app(
        Settings(snippet_path=str(snippet)), publisher=MemoryPublisher(log, spool), sites=SITES
    )
    retried = json.dumps(make_beacon("shop"))
    with TestClient(app) as client:
        assert post(client, json.dumps(make_beacon("shop"))).status_code == 204
        (segment,) = (tmp_path / "spool").glob("*.seg")
        assert client.get("/readyz").status_code == 200
        with disk_full_after(segment.stat().st_size + 10):
            refused = post(client, retried)
        assert refused.status_code == 503 and refused.headers["retry-after"]
        # Unready for a while, so that a load balancer sends beacons to a collector
        # that can keep them; beacons that still come try the disk again.
        assert client.get("/readyz").status_code == 503
        assert post(client, retried).status_code == 204  # not a duplicate: never taken
        time.sleep(0.3)
        assert client.get("/readyz").status_code == 200
        assert post(client, retried).status_code == 409  # now it is
    assert len(log.read(10)) == 2
    spool.close()

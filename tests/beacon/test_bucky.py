"""Bucky compatibility: the Bucky client's line format, checked line by line."""

import orjson
import pytest
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.bucky import BadLine, parse_line, parse_lines
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.memory_log import MemoryLog

ORIGIN = "https://shop.example"


@pytest.mark.parametrize(
    ("line", "kind", "value", "rate"),
    [
        ("shop.page.load:812|ms", "ms", 812.0, 1.0),
        ("shop.signups:1|c", "c", 1.0, 1.0),
        ("shop.cart.items:3.5|g", "g", 3.5, 1.0),
        ("shop.api.latency:41|ms@0.1", "ms", 41.0, 0.1),
        ("shop/checkout-step_2:7|c@1", "c", 7.0, 1.0),
    ],
)
def test_bucky_lines_parse(line, kind, value, rate):
    metric = parse_line(line, "shop", 1)
    assert (metric.type, metric.value, metric.sample_rate) == (kind, value, rate)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("no-separator", "not name:value"),
        ("x:1|h", "not name:value"),
        ("x:abc|ms", "not a number"),
        ("x:nan|ms", "out of range"),
        ("x:1e400|ms", "out of range"),
        ("x:1|c@0", "sample rate"),
        ("x:1|c@2", "sample rate"),
        ("bad name:1|c", "not name:value"),
        ("'; DROP TABLE rum.page_views; --:1|c", "not name:value"),
    ],
)
def test_malformed_lines_are_named(line, reason):
    with pytest.raises(BadLine, match=reason):
        parse_line(line, "shop", 1)


def test_a_batch_keeps_its_good_lines_and_counts_the_bad_ones():
    records, errors = parse_lines("a:1|c\nbroken\n\nb:2|ms\nc:x|g\n", "shop", 1)
    assert [r.name for r in records] == ["a", "b"]
    assert errors == [
        {"line": 2, "reason": "not name:value|type[@rate]"},
        {"line": 5, "reason": "value or rate is not a number"},
    ]


@pytest.fixture
def client(tmp_path):
    log = MemoryLog(100)
    app = create_app(
        Settings(snippet_path=str(tmp_path / "none.js")),
        publisher=MemoryPublisher(log),
        sites=SiteRegistry([Site("shop", frozenset({ORIGIN}))]),
    )
    with TestClient(app) as client:
        yield client, log


def send(client, body: bytes, **headers: str):
    return client.post(
        "/bucky/v1/send", content=body, headers={"content-type": "text/plain", **headers}
    )


def test_the_bucky_endpoint_publishes_good_lines_and_reports_bad_ones(client):
    client, log = client
    response = send(client, b"shop.load:812|ms\nbroken\nshop.hits:1|c@0.5\n", origin=ORIGIN)
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 2,
        "rejected": 1,
        "errors": [{"line": 2, "reason": "not name:value|type[@rate]"}],
    }
    (message,) = log.read(10)
    records = [orjson.loads(line) for line in message.value.splitlines()]
    assert [(r["kind"], r["site"], r["name"], r["sample_rate"]) for r in records] == [
        ("bucky", "shop", "shop.load", 1.0),
        ("bucky", "shop", "shop.hits", 0.5),
    ]
    metrics = client.get("/metrics").text
    assert 'rum_bucky_lines_total{result="accepted"} 2.0' in metrics
    assert 'rum_bucky_lines_total{result="rejected"} 1.0' in metrics


def test_nothing_valid_is_400_and_foreign_or_unknown_senders_403(client):
    client, _ = client
    assert send(client, b"broken\n", origin=ORIGIN).json()["error"] == "no_valid_lines"
    assert send(client, b"a:1|c", origin="https://evil.example").status_code == 403
    assert send(client, b"a:1|c").status_code == 403  # no origin and no ?site=
    assert client.post("/bucky/v1/send?site=shop", content=b"a:1|c").status_code == 200
    assert send(client, b"\xff\xfe:1|c", origin=ORIGIN).json() == {"error": "invalid_utf8"}


def test_the_health_check_answers_like_buckyserver(client):
    client, _ = client
    response = client.get("/bucky/v1/health-check")
    assert response.status_code == 200 and response.text == "OK\n"

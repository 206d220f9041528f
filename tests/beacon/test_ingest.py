"""The ingestion steps: shape, site, origin, enrichment into the stored record."""

import json
import time

import msgspec
import orjson
import pytest

from beacon.ingest import Ingestion, Received, Rejected
from beacon.sites import Site, SiteRegistry
from pipeline.records import PageViewRecord
from tests.support import make_beacon

SITES = SiteRegistry(
    [
        Site("shop", frozenset({"https://shop.example"})),
        Site("blog", frozenset({"*"}), keep_query=True),
    ]
)


def ingest(received: Received, sites: SiteRegistry) -> PageViewRecord:
    """The published dict, read back the way the pipeline reads it: it must validate."""
    record = orjson.dumps(Ingestion(lambda: sites)(received))
    return msgspec.json.decode(record, type=PageViewRecord)


def received(beacon: dict, origin: str | None = "https://shop.example") -> Received:
    return Received(json.dumps(beacon).encode(), origin, received_ms=int(beacon["sent"]))


def rejection(beacon: dict, origin: str | None = "https://shop.example") -> Rejected:
    with pytest.raises(Rejected) as caught:
        ingest(received(beacon, origin), SITES)
    return caught.value


def test_a_valid_beacon_becomes_a_record_with_every_timing():
    beacon = make_beacon("shop")
    record = ingest(received(beacon), SITES)
    assert record.site == "shop" and record.page_view_id == beacon["id"]
    assert record.response_start == 180.4 and record.load_event_end == 905.6
    assert record.navigation_type == "navigate" and record.next_hop_protocol == "h2"
    assert record.url == "https://shop.example/products/42"
    assert record.route == "/products/:id"
    assert record.ts == beacon["t"] and record.received_at == beacon["sent"]


def test_everything_a_full_beacon_carries_reaches_the_record():
    beacon = make_beacon("shop")
    beacon.update(
        ttfb=180.4,
        lcp={"v": 700.5, "el": "img#hero", "url": "https://cdn.example/hero.png"},
        cls={"v": 0.12, "el": "p#content"},
        lt={"n": 2, "ms": 180.0},
        inp={
            "v": 240.0,
            "type": "click",
            "el": "button#buy",
            "delay": 3.0,
            "proc": 200.0,
            "pres": 37.0,
        },
        err=[{"m": "TypeError: x", "s": "https://shop.example/app.js", "l": 3, "c": 9}],
        timings={"hydrate": 120.5},
        st=[{"n": "db", "d": 53.2, "desc": "Query"}],
        res={
            "sum": [
                {"i": "img", "n": 3, "bytes": 9000, "ms": 300.0, "max": 150.0, "hit": 1, "tp": 0}
            ],
            "slow": [{"u": "https://cdn.example/hero.png", "i": "img", "ms": 150.0, "bytes": 8000}],
        },
        ctx={
            "ect": "4g",
            "rtt": 50,
            "dl": 10.0,
            "mem": 8,
            "cpu": 8,
            "vw": 1280,
            "vh": 720,
            "vis": "visible",
        },
    )
    record = ingest(received(beacon), SITES)
    assert (record.ttfb, record.lcp, record.lcp_element, record.cls) == (
        180.4,
        700.5,
        "img#hero",
        0.12,
    )
    assert (record.inp, record.inp_type, record.inp_processing) == (240.0, "click", 200.0)
    assert (record.long_tasks, record.long_task_ms) == (2, 180.0)
    assert record.errors[0].message == "TypeError: x" and record.server_timings[0].name == "db"
    assert record.resources[0].cache_hits == 1 and record.slow_resources[0].initiator == "img"
    assert (record.effective_connection_type, record.viewport_width, record.rtt) == ("4g", 1280, 50)
    assert record.timings == {"hydrate": 120.5}


def test_ttfb_is_derived_from_the_navigation_entry_as_web_vitals_defines_it():
    beacon = make_beacon("shop")
    assert "ttfb" not in beacon  # the snippet sends the entry, not the metric
    assert ingest(received(beacon), SITES).ttfb == 180.4  # responseStart
    beacon["nav"] |= {"activationStart": 100.2}  # prerendered: from activation
    assert ingest(received(beacon), SITES).ttfb == 80.2
    beacon["nav"] |= {"activationStart": 500.0}  # activated after the response
    assert ingest(received(beacon), SITES).ttfb == 0


def test_a_view_without_a_navigation_entry_has_no_ttfb():
    beacon = make_beacon("shop", view="soft", start=1500.0)
    del beacon["nav"]
    assert ingest(received(beacon), SITES).ttfb is None


def test_a_site_can_opt_in_to_keeping_query_strings():
    record = ingest(received(make_beacon("blog")), SITES)
    assert record.url.endswith("?utm_source=mail&email=:email")  # e-mails never stored


def test_shape_errors_are_400_with_their_locations():
    error = rejection(make_beacon("shop", fcp=-1))
    assert (error.status, error.reason) == (400, "out_of_range")
    assert error.detail == [{"loc": "fcp", "msg": "Input should be greater than or equal to 0"}]


JS_ERROR = {"m": "TypeError: x", "s": "https://shop.example/app.js", "l": 1, "c": 2}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"fcp": -1}, "out_of_range"),
        ({"fcp": 9999999999999}, "out_of_range"),  # absurd, as real clients send
        ({"nav": {"loadEventEnd": 1e308}}, "out_of_range"),
        ({"err": [JS_ERROR | {"m": "x" * 513}]}, "string_too_long"),
        ({"route": "/" * 257}, "string_too_long"),
        ({"err": [JS_ERROR] * 11}, "too_many_items"),
        ({"timings": {f"t{i}": 1.0 for i in range(21)}}, "too_many_items"),
        ({"fcp": "fast"}, "invalid_beacon"),
        ({"surprise": 1}, "invalid_beacon"),
    ],
)
def test_each_shape_error_has_its_typed_reason(overrides, reason):
    beacon = make_beacon("shop")
    for name, value in overrides.items():
        beacon[name] = beacon[name] | value if name == "nav" else value
    error = rejection(beacon)
    assert (error.status, error.reason) == (400, reason)


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xff", b'{"v": 1,}'])
def test_a_body_that_is_not_json_is_refused_as_such(body):
    with pytest.raises(Rejected) as caught:
        ingest(Received(body, "https://shop.example", int(time.time() * 1000)), SITES)
    assert (caught.value.status, caught.value.reason) == (400, "not_json")


def test_a_body_that_is_not_json_is_refused_even_where_no_field_reads_it():
    # pydantic's parser reads NaN and Infinity, and an unknown key of the navigation
    # is ignored; JSON has neither value, so the beacon is refused all the same.
    body = json.dumps(make_beacon("shop", nav={"future": float("inf")}))
    assert "Infinity" in body
    with pytest.raises(Rejected) as caught:
        ingest(Received(body.encode(), "https://shop.example", int(time.time() * 1000)), SITES)
    assert (caught.value.status, caught.value.reason) == (400, "not_json")
    assert caught.value.detail[0]["msg"].startswith("Invalid JSON")


def test_unknown_sites_are_refused():
    error = rejection(make_beacon("nobody"))
    assert (error.status, error.reason) == (403, "unknown_site")


def test_foreign_origins_are_refused_but_non_browser_senders_pass():
    error = rejection(make_beacon("shop"), origin="https://evil.example")
    assert (error.status, error.reason) == (403, "origin_not_allowed")
    assert ingest(received(make_beacon("shop"), origin=None), SITES).site == "shop"

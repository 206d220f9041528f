"""The v1 wire contract: what a valid beacon is, and each way of being invalid."""

import json

import pytest
from pydantic import ValidationError

from beacon.schema import Beacon
from tests.support import make_beacon


def parse(beacon: dict) -> Beacon:
    return Beacon.model_validate_json(json.dumps(beacon))


def error_locations(raw: str | bytes) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        Beacon.model_validate_json(raw)
    return {".".join(map(str, e["loc"])) for e in caught.value.errors()}


def test_a_full_beacon_parses_with_spec_names_mapped_to_fields():
    beacon = parse(make_beacon())
    assert beacon.nav is not None
    assert beacon.nav.response_start == 180.4
    assert beacon.nav.dom_content_loaded_event_end == 490.3
    assert beacon.nav.next_hop_protocol == "h2"
    assert beacon.nav.type == "navigate"
    assert beacon.fcp == 612.3


def test_only_the_identity_fields_are_required():
    beacon = make_beacon()
    minimal = {k: beacon[k] for k in ("v", "site", "id", "url", "t")}
    parsed = parse(minimal)
    assert parsed.nav is None and parsed.fcp is None and parsed.seq == 0


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"v": 2}, "v"),
        ({"site": "has space"}, "site"),
        ({"site": "x" * 65}, "site"),
        ({"id": "short"}, "id"),
        ({"id": "bad/chars!!"}, "id"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://[bad/x"}, "url"),
        ({"url": "http://host:port/"}, "url"),
        ({"url": "https:///no-host"}, "url"),
        ({"url": "https://x.example/a b"}, "url"),
        ({"url": "https://x.example/" + "a" * 5000}, "url"),
        ({"t": 0}, "t"),
        ({"t": 9999999999999}, "t"),
        ({"seq": -1}, "seq"),
        ({"fcp": -1}, "fcp"),
        ({"fcp": 9999999999999}, "fcp"),
        ({"fcp": "612"}, "fcp"),
        ({"route": "r" * 300}, "route"),
        ({"extra": 1}, "extra"),
    ],
)
def test_each_invalid_top_level_field_is_named(change, location):
    assert location in error_locations(json.dumps(make_beacon(**change)))


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"responseStart": -5}, "nav.responseStart"),
        ({"loadEventEnd": 3_600_001}, "nav.loadEventEnd"),
        ({"transferSize": -1}, "nav.transferSize"),
        ({"redirectCount": 1.5}, "nav.redirectCount"),
        ({"responseStatus": 1000}, "nav.responseStatus"),
        ({"type": "teleport"}, "nav.type"),
        ({"nextHopProtocol": "h" * 100}, "nav.nextHopProtocol"),
    ],
)
def test_each_invalid_navigation_field_is_named(change, location):
    beacon = make_beacon()
    beacon["nav"] = {**beacon["nav"], **change}
    assert location in error_locations(json.dumps(beacon))


def test_navigation_fields_a_browser_adds_are_ignored_not_refused():
    beacon = make_beacon()
    beacon["nav"] = {
        **beacon["nav"],
        "name": "https://x.example/",
        "entryType": "navigation",
        "confidence": {"value": "high"},
        "notRestoredReasons": None,
    }
    assert parse(beacon).nav is not None


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(literal):
    raw = json.dumps(make_beacon(fcp=1.0)).replace('"fcp": 1.0', f'"fcp": {literal}')
    assert "fcp" in error_locations(raw)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b"null", b'{"v":1', b"\xff\xfe"])
def test_what_is_not_a_json_object_is_refused(raw):
    with pytest.raises(ValidationError):
        Beacon.model_validate_json(raw)

"""The ingestion steps: shape, site, origin, enrichment into the stored record."""

import json

import pytest

from beacon.ingest import Ingestion, Received, Rejected
from beacon.sites import Site, SiteRegistry
from tests.support import make_beacon

SITES = SiteRegistry(
    [
        Site("shop", frozenset({"https://shop.example"})),
        Site("blog", frozenset({"*"}), keep_query=True),
    ]
)


def ingest(received: Received, sites: SiteRegistry) -> object:
    return Ingestion(lambda: sites)(received)


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


def test_a_site_can_opt_in_to_keeping_query_strings():
    record = ingest(received(make_beacon("blog")), SITES)
    assert record.url.endswith("?utm_source=mail&email=:email")  # e-mails never stored


def test_shape_errors_are_400_with_their_locations():
    error = rejection(make_beacon("shop", fcp=-1))
    assert (error.status, error.reason) == (400, "invalid_beacon")
    assert error.detail == [{"loc": "fcp", "msg": "Input should be greater than or equal to 0"}]


def test_unknown_sites_are_refused():
    error = rejection(make_beacon("nobody"))
    assert (error.status, error.reason) == (403, "unknown_site")


def test_foreign_origins_are_refused_but_non_browser_senders_pass():
    error = rejection(make_beacon("shop"), origin="https://evil.example")
    assert (error.status, error.reason) == (403, "origin_not_allowed")
    assert ingest(received(make_beacon("shop"), origin=None), SITES).site == "shop"

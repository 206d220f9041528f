"""The snippet in real Chromium: what it sends is a valid beacon, it sends once per
page view, and it never throws into the page, even where browser APIs are missing."""

import json

import pytest

from beacon.schema import Beacon
from tests.support import ROOT, chromium, page_server

SNIPPET = (ROOT / "beacon" / "static" / "rum.js").read_text()
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script>{before}</script>
<script async src="/rum.js" data-site="shop" {attributes}></script></head>
<body><h1>Hello</h1></body></html>"""
HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def beacons_from(before: str = "", attributes: str = "", hide_times: int = 1) -> tuple[list, list]:
    """Load a page with the snippet, hide it, and return (beacons posted, page errors)."""
    pages = {"/page": PAGE.format(before=before, attributes=attributes)}
    sent: list[dict] = []
    errors: list[str] = []
    with page_server(pages) as origin, chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))

        def serve_snippet(route):
            route.fulfill(body=SNIPPET, content_type="text/javascript")

        def collect(route):
            request = route.request
            sent.append({"url": request.url, "body": request.post_data, "headers": request.headers})
            route.fulfill(status=204)

        page.route("**/rum.js", serve_snippet)
        page.route(lambda url: "/v1/beacon" in url or "/custom/" in url, collect)
        page.goto(f"{origin}/page?q=1")
        page.wait_for_function("document.readyState == 'complete'")
        page.wait_for_timeout(100)  # loadEventEnd is set after the load handlers ran
        for _ in range(hide_times):
            page.evaluate(HIDE)
            page.evaluate("dispatchEvent(new PageTransitionEvent('pagehide'))")
        page.wait_for_timeout(300)
    return sent, errors


def test_the_beacon_it_sends_validates_against_the_collector_schema():
    sent, errors = beacons_from()
    assert errors == []
    (beacon,) = sent
    assert beacon["headers"]["content-type"].startswith("text/plain")
    parsed = Beacon.model_validate_json(beacon["body"])
    assert parsed.site == "shop" and parsed.nav is not None
    assert parsed.nav.load_event_end > 0 and parsed.fcp is not None
    assert parsed.url.endswith("/page?q=1")  # the collector strips it, not the page


def test_one_page_view_sends_one_beacon_however_often_it_is_hidden():
    sent, _ = beacons_from(hide_times=3)
    assert len(sent) == 1


def test_a_route_name_and_endpoint_come_from_the_script_tag():
    sent, _ = beacons_from(attributes='data-route="checkout" data-endpoint="/custom/collect"')
    (beacon,) = sent
    assert beacon["url"].endswith("/custom/collect")
    assert json.loads(beacon["body"])["route"] == "checkout"


@pytest.mark.parametrize(
    "remove",
    [
        "delete window.PerformanceObserver",
        "navigator.sendBeacon = undefined",
        "performance.getEntriesByType = () => []",
        "Object.defineProperty(window, 'PerformanceObserver', {get() { throw new Error('x'); }})",
    ],
)
def test_missing_browser_apis_never_throw_and_it_sends_what_exists(remove):
    sent, errors = beacons_from(before=remove)
    assert errors == []
    (beacon,) = sent
    Beacon.model_validate_json(beacon["body"])

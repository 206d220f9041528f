"""The snippet in real Chromium: what it sends is a valid beacon, it sends once per
page view, and it never throws into the page, even where browser APIs are missing."""

import json
import time

import pytest

from beacon.ingest import parse
from tests.support import ROOT, SNIPPET_RUNNING, Page, chromium, page_server

STATIC = ROOT / "beacon" / "static"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script>{before}</script>{head}
<script async src="/rum.js" data-site="shop" {attributes}></script></head>
<body><h1>Hello</h1></body></html>"""
HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  Object.defineProperty(document, 'hidden', {value: true, configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def serve_stages(route, stage_two: bool = True) -> None:
    """Serve the built stages (the collector's part), or fail stage two's request."""
    stage = "rum-main.js" if "/rum-main." in route.request.url else "rum.js"
    if stage == "rum-main.js" and not stage_two:
        route.abort()
    else:
        route.fulfill(body=(STATIC / stage).read_bytes(), content_type="text/javascript")


def beacons_from(
    before: str = "",
    attributes: str = "",
    hide_times: int = 1,
    stage_two: bool = True,
    head: str = "",
) -> tuple[list, list]:
    """Load a page with the snippet, hide it, and return (beacons posted, page errors).
    Without stage_two, the request for stage two fails (blocked, offline, or the page
    is left before it arrives): stage one must still send the page view."""
    pages = {
        "/page": PAGE.format(before=before, attributes=attributes, head=head),
        "/vendor.js": Page("", content_type="text/javascript"),
    }
    sent: list[dict] = []
    errors: list[str] = []
    with page_server(pages) as origin, chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))

        def collect(route):
            request = route.request
            sent.append({"url": request.url, "body": request.post_data, "headers": request.headers})
            route.fulfill(status=204)

        page.route("**/rum*.js", lambda route: serve_stages(route, stage_two))
        page.route(lambda url: "/v1/beacon" in url or "/custom/" in url, collect)
        page.goto(f"{origin}/page?q=1")
        page.wait_for_function(
            f"document.readyState == 'complete' && {SNIPPET_RUNNING if stage_two else 'true'}"
        )
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
    parsed = parse(beacon["body"])
    assert parsed.site == "shop" and parsed.nav is not None
    assert parsed.nav.load_event_end > 0 and parsed.fcp is not None
    assert parsed.url.endswith("/page?q=1")  # the collector strips it, not the page


def test_a_page_view_stage_two_never_reached_is_still_sent_by_stage_one():
    throw = "addEventListener('load', () => setTimeout(() => { throw Error('early') }))"
    sent, _ = beacons_from(before=throw, stage_two=False)
    (beacon,) = sent
    parsed = parse(beacon["body"])
    assert parsed.nav is not None and parsed.nav.load_event_end > 0
    assert parsed.ctx is not None and parsed.fcp is None  # paint is stage two's
    assert [error.m for error in parsed.err] == ["Uncaught Error: early"]


def test_stage_two_is_fetched_only_after_the_page_has_loaded():
    pages = {"/page": PAGE.format(before="", attributes="", head="")}
    with page_server(pages) as origin, chromium() as browser:
        page = browser.new_page()
        page.route("**/rum*.js", serve_stages)
        page.goto(f"{origin}/page")
        page.wait_for_function(SNIPPET_RUNNING)
        fetched, load_end = page.evaluate(
            """() => [
            performance.getEntriesByType('resource')
              .find((e) => e.name.includes('/rum-main.')).startTime,
            performance.getEntriesByType('navigation')[0].loadEventEnd]"""
        )
    assert fetched >= load_end > 0


def test_a_page_with_a_nonce_based_csp_lets_stage_two_run():
    csp = "script-src 'nonce-r4nd0m'"  # no 'strict-dynamic': each script needs the nonce
    page_html = PAGE.format(before="", attributes='nonce="r4nd0m"', head="")
    pages = {"/page": Page(page_html, headers=(("content-security-policy", csp),))}
    with page_server(pages) as origin, chromium() as browser:
        page = browser.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
        page.route("**/rum*.js", serve_stages)
        page.goto(f"{origin}/page")
        # (wait_for_function evaluates strings, which this CSP forbids; evaluate does not.)
        deadline = time.monotonic() + 10
        while not page.evaluate(f"() => {SNIPPET_RUNNING}") and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert page.evaluate(f"() => {SNIPPET_RUNNING}"), blocked
    assert not [m for m in blocked if "rum" in m]


def test_one_page_view_sends_one_beacon_however_often_it_is_hidden():
    sent, _ = beacons_from(hide_times=3)
    assert len(sent) == 1


def test_a_route_name_and_endpoint_come_from_the_script_tag():
    sent, _ = beacons_from(attributes='data-route="checkout" data-endpoint="/custom/collect"')
    (beacon,) = sent
    assert beacon["url"].endswith("/custom/collect")
    assert json.loads(beacon["body"])["route"] == "checkout"


def test_its_own_tag_is_told_from_another_vendors_with_the_same_attributes():
    other = '<script src="/vendor.js" data-site="other" data-endpoint="/custom/other"></script>'
    sent, _ = beacons_from(head=other)
    (beacon,) = sent
    assert beacon["url"].endswith("/v1/beacon") and json.loads(beacon["body"])["site"] == "shop"


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
    parse(beacon["body"])

"""End to end in real Chromium: a page loads the snippet from the collector, the user
navigates away, and the page view arrives in ClickHouse through the real Kafka broker
exactly as the browser measured it."""

import uuid

import pytest
from pydantic.alias_generators import to_camel

from pipeline.records import NAVIGATION_TIMINGS
from tests.support import (
    SNIPPET_RUNNING,
    api,
    chromium,
    page_server,
    query_chdb,
    running,
    wait_until,
)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
<script async src="{collector}/rum.js" data-site="{site}"></script></head>
<body><h1>Product 42</h1><p>Some text that paints.</p><a href="/next">next</a></body></html>"""

READ_TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0].toJSON();
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {nav, fcp: fcp ? fcp.startTime : null};
}"""


def percentiles(url: str, site: str, metric: str) -> dict:
    return api(url, "percentiles", site=site, metric=metric)


def total_views(url: str, site: str) -> int:
    return sum(point["views"] for point in percentiles(url, site, "load")["series"])


def test_a_page_view_is_stored_exactly_as_the_browser_measured_it(kafka, tmp_path):
    site = f"e2e-{uuid.uuid4().hex[:6]}"
    store = tmp_path / "chdb"
    pages: dict[str, str] = {"/next": "<p>bye</p>"}
    with page_server(pages) as shop:
        (tmp_path / "sites.toml").write_text(
            f'[sites.{site}]\norigins = ["{shop}"]\ncount_bots = true\n'  # headless test browser
        )
        env = {
            "RUM_TRANSPORT": f"kafka://{kafka}",
            "RUM_TOPIC": f"e2e.{uuid.uuid4().hex[:8]}",
            "RUM_CONSUMER_GROUP": f"e2e-{uuid.uuid4().hex[:6]}",
            "RUM_STORE": f"chdb://{store}",
            "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
            "RUM_BATCH_WAIT_MS": "200",
        }
        with running([".venv/bin/rum", "run"], env, tmp_path / "rum.log") as collector:
            pages["/product/42"] = PAGE.format(collector=collector.url, site=site)
            measured = visit_and_leave(f"{shop}/product/42?session=secret#top")
            wait_until(lambda: total_views(collector.url, site) >= 1, 30, message="page view")
            load = percentiles(collector.url, site, "load")["series"][0]
            assert load["p50"] == pytest.approx(measured["nav"]["loadEventEnd"], rel=0.006)
            assert collector.stopped_cleanly()

    (row,) = query_chdb(store, f"SELECT * FROM rum.page_views WHERE site = '{site}'")
    nav = measured["nav"]
    for field in NAVIGATION_TIMINGS:
        browser_value = nav.get(to_camel(field), 0 if field != "next_hop_protocol" else "")
        if isinstance(browser_value, str):
            assert row[field] == browser_value, field
        else:
            assert abs(float(row[field]) - browser_value) <= 1.0, (field, row[field], browser_value)
    assert row["navigation_type"] == nav["type"]
    assert abs(float(row["fcp"]) - measured["fcp"]) <= 1.0
    assert row["url"].endswith("/product/42")  # query string and fragment stripped
    assert row["route"] == "/product/:id"  # identifiers in paths become placeholders
    assert nav["loadEventEnd"] > 0 and nav["responseStart"] > 0


def visit_and_leave(url: str) -> dict:
    """Open the page, wait until load and first paint are measured, read what the
    browser's own APIs say, then navigate away (which hides the page)."""
    errors: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function(
            "performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
            " && performance.getEntriesByName('first-contentful-paint').length > 0"
            f" && {SNIPPET_RUNNING}"
        )
        measured = page.evaluate(READ_TIMINGS)
        page.click("a")
        page.wait_for_url("**/next")
    assert errors == []
    return measured

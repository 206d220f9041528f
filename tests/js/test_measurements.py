"""What the snippet measures, checked in real Chromium against the browser's own APIs,
through the real collector and pipeline into the real ClickHouse engine.

Each page records what the browser reports (a recorder script of its own) and loads
the snippet from the collector. The collector and pipeline run in this process
(uvicorn in a thread) so the test can read the store they write.
"""

import itertools
import struct
import time
import uuid
import zlib
from dataclasses import replace

import pytest

from beacon.app import create_app
from beacon.publishers.memory import MemoryPublisher
from beacon.runtime import pipeline_service
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.memory_log import MemoryLog
from tests.support import (
    SNIPPET_RUNNING,
    Page,
    chromium,
    free_port,
    page_server,
    serve_in_thread,
)

SITE = "accuracy"

RECORDER = """<script>
window.__seen = {lcp: [], shifts: [], events: [], restored: false};
const watch = (type, keep, options) => new PerformanceObserver(
  (list) => list.getEntries().forEach((e) => keep(e))).observe({type, buffered: true, ...options});
watch('largest-contentful-paint', (e) => __seen.lcp.push({t: e.startTime, url: e.url}));
watch('layout-shift', (e) => __seen.shifts.push({v: e.value, input: e.hadRecentInput}));
watch('event', (e) => e.interactionId && __seen.events.push({d: e.duration, name: e.name,
  start: e.startTime, ps: e.processingStart, pe: e.processingEnd}), {durationThreshold: 16});
addEventListener('pageshow', (e) => { if (e.persisted) __seen.restored = true; });
</script>"""

TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>t</title>{recorder}
<script async src="{collector}/rum.js" data-site="{site}"></script></head>
<body><h1>Measured page</h1>{body}</body></html>"""


def png(width: int, height: int) -> bytes:
    """A real (solid colour) PNG, so the browser decodes and paints an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x30\x80\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PAGES: dict[str, str | Page] = {
    "/big.png": Page(png(400, 250), content_type="image/png"),
    "/elsewhere": "<p>another page</p>",
}


@pytest.fixture(scope="module")
def origin():
    with page_server(PAGES) as url:
        yield url


@pytest.fixture(scope="module")
def collector(store, origin):
    settings = Settings(batch_wait_ms=100)
    memory_log = MemoryLog(10_000)
    app = create_app(
        settings,
        publisher=MemoryPublisher(memory_log),
        sites=SiteRegistry([Site(SITE, frozenset({origin}), count_bots=True)]),
        store=store,
        services=[pipeline_service(settings, store, memory_log)],
    )
    with serve_in_thread(app, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


_paths = itertools.count()


def add_page(collector: str, body: str = "", **page: object) -> str:
    path = f"/p{next(_paths)}-{uuid.uuid4().hex[:6]}"
    html = TEMPLATE.format(recorder=RECORDER, collector=collector, site=SITE, body=body)
    PAGES[path] = replace(Page(html), **page)  # type: ignore[arg-type]
    return path


def open_page(browser, origin: str, path: str):
    page = browser.new_page()
    page.goto(f"{origin}{path}")
    page.wait_for_function(
        f"performance.getEntriesByType('navigation')[0].loadEventEnd > 0 && {SNIPPET_RUNNING}"
    )
    return page


def leave(page, origin: str) -> None:
    page.goto(f"{origin}/elsewhere")  # hides the measured page: its beacon goes now
    page.close()


def stored(
    store, table: str, route: str, count: int = 1, first_only: bool = False, timeout: float = 20
) -> list[dict]:
    """Rows for a route, in (seq, ts) order, once there are `count` of them; with
    first_only, only the first beacon (seq 0) of each page view."""
    deadline = time.monotonic() + timeout
    only_first = "AND seq = 0" if first_only else ""
    while True:
        rows = list(
            store.query(
                f"SELECT * FROM rum.{table} WHERE site = {{s:String}} AND route = {{r:String}} "
                f"{only_first} ORDER BY seq, ts",
                parameters={"s": SITE, "r": route},
            ).named_results()
        )
        if len(rows) >= count:
            return rows
        assert time.monotonic() < deadline, f"{len(rows)} of {count} rows in {table} for {route}"
        time.sleep(0.1)


def test_ttfb_server_timing_and_context_equal_what_the_browser_reports(
    store, collector, origin, browser
):
    path = add_page(
        collector,
        delay_s=0.3,
        headers=(("Server-Timing", 'db;dur=53.2;desc="Query", tpl;dur=12.5, cache;desc=hit'),),
    )
    page = open_page(browser, origin, path)
    seen = page.evaluate(
        """() => ({nav: performance.getEntriesByType('navigation')[0].toJSON(),
                   vw: innerWidth, vh: innerHeight, cpu: navigator.hardwareConcurrency})"""
    )
    leave(page, origin)
    (row,) = stored(store, "page_views", path)
    nav = seen["nav"]
    assert row["ttfb"] == pytest.approx(nav["responseStart"] - nav["activationStart"], abs=1)
    assert row["ttfb"] >= 300
    assert row["response_status"] == 200
    assert (row["viewport_width"], row["viewport_height"]) == (seen["vw"], seen["vh"])
    assert row["hardware_concurrency"] == seen["cpu"]
    assert row["visibility_at_load"] == "visible"
    timings = stored(store, "server_timings", path, count=3)
    assert sorted(
        (t["name"], round(t["duration"], 2), t["description"]) for t in timings
    ) == sorted((s["name"], s["duration"], s["description"]) for s in nav["serverTiming"])


def test_lcp_is_the_large_image_with_its_selector_and_url(store, collector, origin, browser):
    path = add_page(collector, body='<img id="hero" src="/big.png" width="800" height="500">')
    page = open_page(browser, origin, path)
    page.wait_for_function("__seen.lcp.some((e) => e.url.endsWith('/big.png'))")
    last = page.evaluate("__seen.lcp[__seen.lcp.length - 1]")
    leave(page, origin)
    (row,) = stored(store, "page_views", path)
    assert row["lcp"] == pytest.approx(last["t"], abs=1)
    assert row["lcp_element"].endswith("img#hero")
    assert row["lcp_url"] == f"{origin}/big.png"
    resources = {r["initiator"]: r for r in stored(store, "resources", path)}
    assert resources["img"]["count"] == 1
    assert resources["img"]["third_party"] == 0


def test_cls_sums_the_shifts_and_names_the_element_that_moved(store, collector, origin, browser):
    body = """<div id="banner"></div><p id="content">Text that the banner pushes down.</p>
    <script>setTimeout(() => {
      document.getElementById('banner').style.height = '300px'; }, 300);</script>"""
    path = add_page(collector, body=body)
    page = open_page(browser, origin, path)
    page.wait_for_function("__seen.shifts.length > 0")
    page.wait_for_timeout(200)
    shifts = page.evaluate("__seen.shifts")
    leave(page, origin)
    (row,) = stored(store, "page_views", path)
    assert row["cls"] == pytest.approx(sum(s["v"] for s in shifts if not s["input"]), abs=1e-3)
    assert row["cls"] > 0.01
    assert "p#content" in row["cls_target"]


SLOW_BUTTON = """<button id="slow">Add to cart</button><script>
document.getElementById('slow').addEventListener('click', () => {
  const end = performance.now() + 250; while (performance.now() < end) {}
});</script>"""
"""A button whose click handler blocks the main thread for 250 ms."""


def test_inp_is_the_slow_click_with_its_phases(store, collector, origin, browser):
    path = add_page(collector, body=SLOW_BUTTON)
    page = open_page(browser, origin, path)
    page.click("#slow")
    page.wait_for_function("__seen.events.some((e) => e.name == 'click' && e.d >= 250)")
    page.wait_for_timeout(100)
    events = page.evaluate("__seen.events")  # one interaction: pointerdown, pointerup, click
    leave(page, origin)
    (row,) = stored(store, "page_views", path)
    assert_inp_phases(row, events)
    assert row["inp_processing"] >= 250
    assert row["long_tasks"] >= 1 and row["long_task_ms"] >= 250


def assert_inp_phases(row: dict, events: list[dict]) -> None:
    """INP and its phases as the browser reported the interaction's events: the phases
    are those of the frame its longest event was painted in (web-vitals groups events
    painted within 8 ms)."""
    longest = max(events, key=lambda e: e["d"])
    painted = longest["start"] + longest["d"]
    frame = [e for e in events if abs(e["start"] + e["d"] - painted) <= 8]
    first_handler = min(e["ps"] for e in frame)
    assert row["inp"] == pytest.approx(longest["d"], abs=1)
    assert row["inp_processing"] == pytest.approx(
        max(e["pe"] for e in frame) - first_handler, abs=1
    )
    assert row["inp_input_delay"] == pytest.approx(
        first_handler - min(e["start"] for e in frame), abs=1
    )
    assert row["inp_type"] == max(frame, key=lambda e: e["pe"] - e["ps"])["name"] == "click"
    assert row["inp_target"].endswith("button#slow")


def test_inp_phases_leave_out_a_press_painted_before_its_slow_click(
    store, collector, origin, browser
):
    # A person's click: the button is held for a while, so its pointerdown (the page's
    # first input, reported whatever its duration) is painted long before the click.
    path = add_page(collector, body=SLOW_BUTTON)
    page = open_page(browser, origin, path)
    page.hover("#slow")
    page.mouse.down()
    page.wait_for_timeout(150)
    page.mouse.up()
    page.wait_for_function("__seen.events.some((e) => e.name == 'click' && e.d >= 250)")
    page.wait_for_timeout(100)
    events = page.evaluate("__seen.events")
    leave(page, origin)
    (row,) = stored(store, "page_views", path)
    assert_inp_phases(row, events)
    assert 250 <= row["inp_processing"] < 300  # not the 150 ms the button was held


def test_errors_and_rejections_are_kept_with_their_source(store, collector, origin, browser):
    # Thrown once the snippet runs: errors before an async script loads are not seen.
    body = """<button id="throw">x</button><button id="reject">y</button><script>
    document.getElementById('throw').onclick = () => { throw new Error('boom'); };
    document.getElementById('reject').onclick = () => { Promise.reject(new Error('nope')); };
    </script>"""
    path = add_page(collector, body=body)
    page = open_page(browser, origin, path)
    page.click("#throw")
    page.click("#reject")
    page.wait_for_timeout(100)
    leave(page, origin)
    errors = stored(store, "errors", path, count=2)
    messages = sorted(e["message"] for e in errors)
    assert "boom" in messages[0] and "nope" in messages[1]
    boom = next(e for e in errors if "boom" in e["message"])
    assert boom["source"] == f"{origin}{path}" and boom["line"] > 0


def test_a_server_error_page_is_counted_with_its_status(store, collector, origin, browser):
    path = add_page(collector, status=503)
    page = open_page(browser, origin, path)
    leave(page, origin)
    (row,) = stored(store, "page_views", path)
    assert row["response_status"] == 503


def test_a_pushstate_route_change_is_a_new_soft_page_view(store, collector, origin, browser):
    path = add_page(collector, body="<p>app shell</p>")
    page = open_page(browser, origin, path)
    page.evaluate(f"history.pushState({{}}, '', '{path}/cart')")
    page.wait_for_timeout(100)
    leave(page, origin)
    (hard,) = stored(store, "page_views", path)
    (soft,) = stored(store, "page_views", f"{path}/cart")
    assert hard["navigation_type"] == "navigate" and soft["navigation_type"] == "soft"
    assert soft["page_view_id"] != hard["page_view_id"]
    assert soft["view_start"] > 0 and soft["url"].endswith(f"{path}/cart")


def test_a_back_forward_cache_restore_is_a_new_page_view(store, collector, origin, browser):
    path = add_page(collector, body='<a href="/elsewhere">away</a>')
    page = open_page(browser, origin, path)
    page.click("a")
    page.wait_for_url("**/elsewhere")
    page.go_back(wait_until="commit")  # a restore fires no load event
    page.wait_for_function("__seen.restored")
    page.wait_for_timeout(300)  # an idle moment: when stage two would be fetched again
    assert page.evaluate("document.querySelectorAll('script[src*=\"/rum-main.\"]').length") == 1
    leave(page, origin)
    # Clicking the link was an interaction of the first view: its INP may follow in a
    # seq 1 beacon. The restore is a view of its own.
    rows = stored(store, "page_views", path, count=2, first_only=True)
    assert [r["navigation_type"] for r in rows] == ["navigate", "back_forward_cache"]
    assert rows[0]["page_view_id"] != rows[1]["page_view_id"]
    assert rows[1]["fcp"] is not None and rows[1]["fcp"] >= 0  # the frame after the restore


def test_values_that_settle_later_follow_in_a_beacon_with_the_same_id(
    store, collector, origin, browser
):
    body = """<button id="slow">Buy</button><script>
    document.getElementById('slow').addEventListener('click', () => {
      const end = performance.now() + 120; while (performance.now() < end) {}
    });</script>"""
    path = add_page(collector, body=body)
    page = open_page(browser, origin, path)
    set_visibility = """(state) => {
      Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
      Object.defineProperty(document, 'hidden', {value: state == 'hidden', configurable: true});
      document.dispatchEvent(new Event('visibilitychange'));
    }"""
    page.evaluate(set_visibility, "hidden")  # the tab goes to the background: beacon 0
    page.evaluate(set_visibility, "visible")
    page.click("#slow")
    page.wait_for_function("__seen.events.some((e) => e.d >= 120)")
    page.evaluate("rum.timing('checkout', 42.5)")
    leave(page, origin)  # beacon 1: what changed since
    first, follow_up = stored(store, "page_views", path, count=2)
    assert (first["seq"], follow_up["seq"]) == (0, 1)
    assert first["page_view_id"] == follow_up["page_view_id"]
    assert first["inp"] is None and follow_up["inp"] >= 120
    assert follow_up["timings"] == {"checkout": 42.5}
    assert first["load_event_end"] > 0


def test_custom_timings_and_route_names_from_the_api(store, collector, origin, browser):
    path = add_page(collector)
    page = open_page(browser, origin, path)
    page.evaluate(
        """() => { rum.route('product-page');
                   rum.time('render', () => { const e = performance.now() + 30;
                                              while (performance.now() < e) {} }); }"""
    )
    leave(page, origin)
    (row,) = stored(store, "page_views", "product-page")
    assert row["timings"]["render"] >= 30

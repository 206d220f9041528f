"""The built-in dashboard in real Chromium, served by `rum run` over generated page
views of known shape: every chart and table renders, the numbers it shows are the SQL
answers over the raw rows, filters change the URL and the data, the token is required,
and failures say what is wrong. Screenshots land in test-artifacts/."""

import os
import re
import subprocess

import httpx
import pytest

from tests.support import (
    DASHBOARD_TOKEN,
    ROOT,
    chromium,
    query_chdb,
    running,
    screenshot,
    sign_in,
)

SITE = "shop"
VIEWS = 12_000
PANELS = [
    "summary",
    "percentiles",
    "volume",
    "ratings",
    "routes",
    "histogram",
    "server-timing",
    "server-errors",
    "errors",
]


TRUTH = {
    "totals": """
        SELECT count() AS views,
               quantilesExact(0.748, 0.752)(toFloat64(load_event_end - activation_start)) AS p75,
               countIf(lcp <= 2500) AS good, countIf(lcp > 2500 AND lcp <= 4000) AS ni,
               countIf(lcp > 4000) AS poor, countIf(device_class = 'mobile') AS mobile
        FROM rum.page_views WHERE site = 'shop'""",
    "routes": """
        SELECT route, count() AS views, countIf(device_class = 'mobile') AS mobile
        FROM rum.page_views WHERE site = 'shop' GROUP BY route""",
    "server_errors": """
        SELECT route, response_status AS status, count() AS views
        FROM rum.page_views WHERE site = 'shop' AND response_status >= 500
        GROUP BY route, status ORDER BY views DESC, route, status LIMIT 10""",
    "errors": "SELECT count() AS n FROM rum.errors WHERE site = 'shop'",
}
"""The SQL answers over the raw rows, read before the server takes the store."""

XSS_ROUTE = "/<img src=x onerror=window.__xss=1>"
XSS_ERROR = "<script>window.__xss=2</script>"
HOSTILE = [
    f"""INSERT INTO rum.page_views (site, page_view_id, seq, ts, received_at, url, route,
        response_status, load_event_end, counted)
    SELECT 'hostile', concat('x', toString(number)), 0, now64(3) - number, now64(3),
        'https://hostile.example/', '{XSS_ROUTE}', 503, 1200, true FROM numbers(5)""",
    f"""INSERT INTO rum.errors (site, page_view_id, seq, ts, route, message, source, line,
        col, counted)
    VALUES ('hostile', 'x0', 0, now64(3), '{XSS_ROUTE}', '{XSS_ERROR}',
        'javascript:alert(1)', 1, 1, true)""",
]
"""Page views whose route and error carry markup, as a hostile client could send them."""


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """`rum run` on a store holding VIEWS page views of SITE from the last 20 hours
    (inside every range the dashboard offers, so the SQL above needs no window)."""
    folder = tmp_path_factory.mktemp("dashboard")
    env = {"RUM_STORE": f"chdb://{folder / 'ch'}"}
    subprocess.run(
        [".venv/bin/rum", "sample-data", "--site", SITE, "--views", str(VIEWS), "--hours", "20"],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )
    for statement in HOSTILE:
        query_chdb(folder / "ch", statement, write=True)
    truth = {name: query_chdb(folder / "ch", query) for name, query in TRUTH.items()}
    with running([".venv/bin/rum", "run"], env, folder / "rum.log") as rum, chromium() as browser:
        yield rum, browser, truth


def stat(page, name: str) -> float:
    return float(page.get_attribute(f'[data-stat="{name}"]', "data-value"))


def reload_after(page, action) -> None:
    """Do something that changes the view, and wait until the panels show its data."""
    before = page.get_attribute("body", "data-loaded")
    action()
    page.wait_for_selector(f'body:not([data-loaded="{before}"])', state="attached")


def test_the_token_is_required(dashboard):
    rum, browser, _ = dashboard
    page = browser.new_page()
    page.goto(f"{rum.url}/dashboard")
    assert page.url.endswith("/dashboard/login")
    page.fill("input[name=token]", "not-the-token")
    page.click("button[type=submit]")
    assert "That token is not right." in page.inner_text("main")
    for answer in ("sites", "percentiles?site=shop", "errors?site=shop"):
        assert httpx.get(f"{rum.url}/api/v1/{answer}").status_code == 401
    page.close()


def test_every_panel_renders_the_sql_answers(dashboard):
    rum, browser, truth = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, rum.url)
    for name in PANELS:
        assert page.get_attribute(f'[data-panel="{name}"]', "data-state") == "ready", name
    for chart in ("percentiles", "volume", "histogram"):
        assert page.locator(f'[data-panel="{chart}"] canvas').count() == 1
    assert "site=shop" in page.url and "range=24h" in page.url
    screenshot(page, "dashboard-light")

    totals = truth["totals"][0]
    assert stat(page, "views") == VIEWS == totals["views"]
    low, high = totals["p75"]
    assert low * 0.995 <= stat(page, "p75") <= high * 1.005
    assert page.inner_text('[data-stat="p75"] strong').endswith(" ms")

    lcp = {
        rating: int(
            page.get_attribute(f'[data-vital="lcp"] [data-rating="{rating}"]', "data-value")
        )
        for rating in ("good", "ni", "poor")
    }
    assert lcp == {"good": totals["good"], "ni": totals["ni"], "poor": totals["poor"]}

    shown = page.locator('[data-panel="routes"] tbody tr').all()
    assert {
        row.locator("td").nth(0).inner_text(): int(
            row.locator("td").nth(1).get_attribute("data-value")
        )
        for row in shown
    } == {r["route"]: r["views"] for r in truth["routes"]}

    five_xx = [
        [cell.inner_text() for cell in row.locator("td").all()[:3]]
        for row in page.locator('[data-panel="server-errors"] tbody tr').all()
    ]
    assert five_xx == [
        [r["route"], str(r["status"]), str(r["views"])] for r in truth["server_errors"]
    ]
    occurrences = page.locator('[data-panel="errors"] tbody tr td:nth-child(2)')
    assert (
        sum(int(c.get_attribute("data-value")) for c in occurrences.all())
        == truth["errors"][0]["n"]
    )
    assert page.locator('[data-panel="server-timing"] tbody tr').count() == 3
    assert errors == []
    page.close()


def test_filters_change_the_url_and_the_data(dashboard):
    rum, browser, truth = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, rum.url)
    reload_after(page, lambda: page.select_option('[data-filter="device_class"]', "mobile"))
    assert "device_class=mobile" in page.url
    assert stat(page, "views") == truth["totals"][0]["mobile"] < VIEWS

    slowest = page.locator('[data-panel="routes"] tbody button').first
    route = slowest.inner_text()
    reload_after(page, slowest.click)
    assert f"route={route.replace('/', '%2F').replace(':', '%3A')}" in page.url
    mobile_on_route = next(r["mobile"] for r in truth["routes"] if r["route"] == route)
    assert stat(page, "views") == mobile_on_route

    reload_after(page, lambda: page.select_option("#metric", "lcp"))
    assert "metric=lcp" in page.url and "LCP" in page.inner_text('[data-stat="p75"] .label')
    reload_after(page, lambda: page.select_option("#range", "6h"))
    reload_after(page, lambda: page.check("#compare"))
    assert "compare=1" in page.url and "range=6h" in page.url
    assert re.search(r"\d% vs previous period", page.inner_text('[data-panel="summary"]'))
    assert "p75 before" in page.inner_text('[data-panel="percentiles"]')  # the dashed line
    screenshot(page, "dashboard-filtered")

    reload_after(page, page.go_back)  # the URL is the state: back undoes the last change
    assert "compare=1" not in page.url and "metric=lcp" in page.url
    page.close()


def test_a_server_timing_name_is_a_metric_of_its_own(dashboard):
    rum, browser, _ = dashboard
    page = browser.new_page()
    sign_in(page, rum.url)
    reload_after(page, lambda: page.select_option("#metric", "st:db"))
    assert page.get_attribute('[data-panel="percentiles"]', "data-state") == "ready"
    assert "pick a page metric" in page.inner_text('[data-panel="routes"] .status')
    page.close()


def test_failures_and_empty_views_say_what_is_wrong(dashboard):
    rum, browser, _ = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    page.route(
        "**/api/v1/ratings?*",
        lambda route: route.fulfill(status=503, json={"error": "store_unavailable"}),
    )
    sign_in(page, rum.url)
    assert page.get_attribute('[data-panel="ratings"]', "data-state") == "error"
    assert "store is not answering" in page.inner_text('[data-panel="ratings"] .status')
    assert page.get_attribute('[data-panel="routes"]', "data-state") == "ready"
    screenshot(page, "dashboard-dark-with-an-error")

    reload_after(page, lambda: page.select_option('[data-filter="country"]', "JP"))
    reload_after(page, lambda: page.select_option('[data-filter="browser"]', "Edge"))
    page.goto(f"{rum.url}/dashboard?site=shop&range=1h&country=NZ")
    page.wait_for_selector("body[data-loaded]", state="attached")
    assert page.get_attribute('[data-panel="summary"]', "data-state") == "empty"
    assert "No page views for shop" in page.inner_text('[data-panel="summary"] .status')
    page.close()


def test_an_expired_session_goes_back_to_the_login(dashboard):
    rum, browser, _ = dashboard
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, rum.url)
    context.clear_cookies()
    page.select_option('[data-filter="device_class"]', "tablet")
    page.wait_for_url("**/dashboard/login")
    assert httpx.get(
        f"{rum.url}/api/v1/sites", headers={"authorization": f"Bearer {DASHBOARD_TOKEN}"}
    ).json()["sites"] == [SITE, "hostile"]  # the bearer token still works
    context.close()


def test_markup_in_the_data_is_shown_as_text_never_run(dashboard):
    rum, browser, _ = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, rum.url)
    page.goto(f"{rum.url}/dashboard?site=hostile&range=1h")
    page.wait_for_selector("body[data-loaded]", state="attached")
    assert XSS_ROUTE in page.inner_text('[data-panel="routes"]')
    assert XSS_ROUTE in page.inner_text('[data-panel="server-errors"]')
    assert XSS_ERROR in page.inner_text('[data-panel="errors"]')
    assert page.locator("main img, main script").count() == 0
    assert page.evaluate("() => window.__xss") is None
    screenshot(page, "dashboard-hostile-data")
    page.close()


def test_the_dashboard_fits_a_phone(dashboard):
    rum, browser, _ = dashboard
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    sign_in(page, rum.url)
    for name in PANELS:
        assert page.get_attribute(f'[data-panel="{name}"]', "data-state") == "ready", name
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways
    screenshot(page, "dashboard-phone")
    page.close()

"""The README's run command and a newcomer's first five minutes: one process
(collector, pipeline, in-process queue, chdb) takes page views from Chromium on its
demo page, and its dashboard, signed in with the token the command printed, shows them."""

import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support import SNIPPET_RUNNING, api, chromium, running, screenshot, sign_in, wait_until


def views(url: str, token: str, metric: str) -> list[dict]:
    return api(url, "percentiles", token, site="demo", metric=metric)["series"]


def accepted_and_written(url: str) -> tuple[float, float]:
    """Beacons the collector accepted and records the pipeline wrote, as one /metrics
    (the process's both roles) reports them."""
    samples = {
        s.name: s.value
        for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text)
        for s in family.samples
    }
    return samples["rum_beacons_accepted_total"], samples["rum_pipeline_rows_written_total"]


def test_the_run_command_serves_the_demo_and_the_dashboard_shows_it(tmp_path):
    env = {
        "RUM_STORE": f"chdb://{tmp_path / 'data' / 'clickhouse'}",
        "RUM_BATCH_WAIT_MS": "200",
        "RUM_DASHBOARD_TOKEN": "",  # as a newcomer runs it: the command makes one
    }
    with running(["scripts/run.sh"], env, tmp_path / "run.log") as rum:
        printed = rum.log.read_text()
        assert "demo page" in printed
        token = re.search(r"dashboard token (\S+)", printed).group(1)
        assert (tmp_path / "data" / "dashboard-token").read_text() == token
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            sign_in(page, rum.url, token)
            assert page.get_attribute('[data-panel="summary"]', "data-state") == "empty"
            assert "No page views yet" in page.inner_text('[data-panel="summary"] .status')
            screenshot(page, "first-five-minutes-empty")

            for _ in range(3):
                page.goto(f"{rum.url}/demo")
                page.wait_for_function(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
                    f" && {SNIPPET_RUNNING}"
                )
            page.goto(f"{rum.url}/healthz")  # leaving the last demo view sends its beacon

            series = wait_until(
                lambda: (
                    (s := views(rum.url, token, "load")) and sum(p["views"] for p in s) == 3 and s
                ),
                30,
                message="three demo page views",
            )
            assert all(point["p50"] > 0 for point in series)
            accepted, written = wait_until(
                lambda: (counts := accepted_and_written(rum.url))[0] == counts[1] and counts,
                10,
                message="every accepted beacon written",
            )
            assert accepted == written >= 3
            assert sum(p["views"] for p in views(rum.url, token, "ttfb")) == 3

            page.goto(f"{rum.url}/dashboard?site=demo&range=1h")
            page.wait_for_selector("body[data-loaded]", state="attached")
            assert page.get_attribute('[data-stat="views"]', "data-value") == "3"
            assert page.get_attribute('[data-panel="percentiles"]', "data-state") == "ready"
            screenshot(page, "first-five-minutes-demo")
        assert "settled CLS and INP up to" in rum.log.read_text()  # the settler runs
        assert rum.stopped_cleanly()

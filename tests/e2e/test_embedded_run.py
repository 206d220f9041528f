"""The README's run command: one process (collector, pipeline, in-process queue, chdb)
takes page views from Chromium on its demo page and answers percentile queries."""

import httpx

from tests.support import chromium, running, wait_until


def views(url: str, metric: str) -> list[dict]:
    response = httpx.get(f"{url}/api/v1/percentiles", params={"site": "demo", "metric": metric})
    response.raise_for_status()
    return response.json()["series"]


def test_the_run_command_serves_the_demo_and_answers_percentiles(tmp_path):
    env = {"RUM_STORE": f"chdb://{tmp_path / 'data'}", "RUM_BATCH_WAIT_MS": "200"}
    with running(["scripts/run.sh"], env, tmp_path / "run.log") as rum:
        assert "demo page" in rum.log.read_text()
        with chromium() as browser:
            page = browser.new_page()
            for _ in range(3):
                page.goto(f"{rum.url}/demo")
                page.wait_for_function(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
                )
            page.goto(f"{rum.url}/healthz")  # leaving the last demo view sends its beacon

        series = wait_until(
            lambda: (s := views(rum.url, "load")) and sum(p["views"] for p in s) == 3 and s,
            30,
            message="three demo page views",
        )
        assert all(point["p50"] > 0 for point in series)
        assert sum(p["views"] for p in views(rum.url, "ttfb")) == 3
        assert rum.stopped_cleanly()

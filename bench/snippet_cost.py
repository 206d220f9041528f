"""The snippet's main-thread cost at load, in Chromium.

The same page is loaded alternately with and without the snippet. Chromium's own
ScriptDuration metric (CDP Performance.getMetrics) after load gives the scripting
time of each load. The snippet's cost is the median difference. Its sizes come from
the build."""

import json
import statistics
import subprocess

from tests.support import ROOT, Page, chromium, page_server

LOADS = 40
BODY = "<h1>Product</h1>" + "<p>Some paragraph of product text.</p>" * 50
PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>bench</title>{snippet}</head>"
    "<body>{body}<script>for (let i = 0; i < 2e5; i++) Math.sqrt(i);</script></body></html>"
)
SNIPPET_TAG = '<script async src="/rum.js" data-site="bench"></script>'


def script_ms(page, url: str) -> float:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(url)
    page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    page.wait_for_timeout(50)  # observers' buffered callbacks run just after load
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    cdp.detach()
    return metrics["ScriptDuration"] * 1000


def measure() -> dict[str, float]:
    snippet = (ROOT / "beacon" / "static" / "rum.js").read_bytes()
    pages = {
        "/with": PAGE.format(snippet=SNIPPET_TAG, body=BODY),
        "/without": PAGE.format(snippet="", body=BODY),
        "/rum.js": Page(snippet, content_type="text/javascript"),
    }
    with_snippet, without = [], []
    with page_server(pages) as origin, chromium() as browser:
        for _ in range(LOADS):
            for path, samples in (("/with", with_snippet), ("/without", without)):
                page = browser.new_page()
                samples.append(script_ms(page, f"{origin}{path}"))
                page.close()
    base = statistics.median(without)
    cost = statistics.median(w - b for w, b in zip(with_snippet, without, strict=True))
    return {"page_script_ms": base, "snippet_script_ms": cost}


def sizes() -> dict[str, int]:
    out = subprocess.run(
        ["npm", "run", "--silent", "--prefix", "js", "build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    built = sizes()
    cost = measure()
    rows = [
        ("snippet gzip bytes", built["gzip"], 3500, "Bucky client, ~3.5 KB gzip (reference)"),
        ("snippet brotli bytes", built["brotli"], None, ""),
        (
            "snippet scripting at load, ms",
            round(cost["snippet_script_ms"], 3),
            round(cost["page_script_ms"], 3),
            "the same page's own scripting, same run",
        ),
    ]
    print(f"{'figure':34} {'ours':>10} {'baseline':>10} {'ratio':>7}  baseline is")
    for name, ours, baseline, what in rows:
        ratio = f"{ours / baseline:.3f}" if baseline else "-"
        shown = "-" if baseline is None else baseline
        print(f"{name:34} {ours:>10} {shown:>10} {ratio:>7}  {what}")


if __name__ == "__main__":
    main()

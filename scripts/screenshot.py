"""Photograph the built-in dashboard over generated page views (scripts/screenshot.sh)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import ROOT, chromium, running, sign_in


def main(target: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rum-screenshot-"))
    env = {"RUM_STORE": f"chdb://{folder / 'ch'}", "RUM_SITES_FILE": ""}
    generate = [
        ".venv/bin/rum",
        "sample-data",
        "--site",
        "shop",
        "--views",
        "80000",
        "--hours",
        "336",
    ]
    subprocess.run(generate, env={**os.environ, **env}, cwd=ROOT, check=True)
    with running([".venv/bin/rum", "run"], env, folder / "rum.log") as rum, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, color_scheme="light")
        sign_in(page, rum.url)
        page.goto(f"{rum.url}/dashboard?site=shop&range=7d&metric=lcp&p=50,75,95&compare=1")
        page.wait_for_selector("body[data-loaded]", state="attached")
        page.screenshot(path=str(target), full_page=True)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

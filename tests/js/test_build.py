"""The built snippet: one minified file within its size budget."""

import json
import subprocess

from tests.support import ROOT

BUDGET_GZIP = 3072


def test_the_build_prints_its_sizes_and_stays_within_budget():
    done = subprocess.run(
        ["npm", "run", "--silent", "--prefix", "js", "build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert 0 < report["gzip"] <= BUDGET_GZIP
    assert 0 < report["brotli"] < report["gzip"] < report["bytes"]
    built = (ROOT / "beacon" / "static" / "rum.js").read_text()
    assert len(built) == report["bytes"] and "\n" not in built.strip()  # minified

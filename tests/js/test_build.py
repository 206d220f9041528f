"""The built snippet: two minified stages, within one size budget together, each
written beside the gzip and brotli forms the collector serves, and stage one built
to request the stage two the collector serves."""

import gzip
import json
import subprocess

from beacon.snippet import stage_two_digest
from tests.support import ROOT

BUDGET_GZIP = 3072
STATIC = ROOT / "beacon" / "static"


def build() -> dict:
    done = subprocess.run(
        ["npm", "run", "--silent", "--prefix", "js", "build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_build_prints_its_sizes_and_both_stages_stay_within_budget():
    report = build()
    assert 0 < report["gzip"] <= BUDGET_GZIP
    assert report["gzip"] == report["loader"]["gzip"] + report["client"]["gzip"]
    assert 0 < report["brotli"] < report["gzip"] < report["bytes"]
    for name, stage in (("rum.js", report["loader"]), ("rum-main.js", report["client"])):
        code = (STATIC / name).read_bytes()
        assert len(code) == stage["bytes"] and b"\n" not in code.strip()  # minified
        compressed = (STATIC / f"{name}.gz").read_bytes()
        assert len(compressed) == stage["gzip"] and gzip.decompress(compressed) == code
        assert (STATIC / f"{name}.br").stat().st_size == stage["brotli"]


def test_stage_one_requests_the_stage_two_the_collector_serves():
    report = build()
    digest = stage_two_digest((STATIC / "rum-main.js").read_bytes())
    assert report["hash"] == digest
    assert f"rum-main.{digest}.js".encode() in (STATIC / "rum.js").read_bytes()

"""`python -m bench [names]`: run the benchmarks and print one table of our figure,
the baseline measured in the same run, and their ratio (see scripts/bench.sh)."""

import os
import sys
import tempfile

from bench import collector, collector_cpu, freshness, pipeline, queries, snippet_cost, soak

BENCHMARKS = {
    "snippet": snippet_cost.run,
    "collector": lambda: collector.run(os.environ["RUM_KAFKA"]),
    "collector-cpu": collector_cpu.run,
    "pipeline": lambda: pipeline.run(os.environ["RUM_KAFKA"]),
    "queries": queries.run,
    "freshness": lambda: freshness.run(os.environ["RUM_KAFKA"]),
    "soak": lambda: soak.run(os.environ["RUM_KAFKA"]),
}
DEFAULT = ("snippet", "collector", "collector-cpu", "pipeline", "queries", "freshness")
"""The soak (10 minutes) runs only when asked for: `scripts/bench.sh soak`."""


def main(names: list[str]) -> None:
    rows = []
    # Every benchmark's folders (stores of up to 30 M page views, spools, logs) go in
    # one scratch folder, removed when the run ends however it ends: left behind,
    # a few runs filled this machine's disk.
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as scratch:
        tempfile.tempdir = os.environ["TMPDIR"] = scratch  # the servers it starts too
        for name in names or DEFAULT:
            rows += BENCHMARKS[name]()
    print(f"{'figure':36} {'ours':>10} {'baseline':>10} {'ratio':>7}  baseline is")
    for figure, ours, baseline, what in rows:
        ratio = f"{ours / baseline:.3f}" if baseline else "-"
        shown = "-" if baseline is None else baseline
        print(f"{figure:36} {ours:>10} {shown:>10} {ratio:>7}  {what}")


main(sys.argv[1:])

"""`python -m bench`: run every benchmark (see scripts/bench.sh)."""

from bench import snippet_cost

snippet_cost.main()

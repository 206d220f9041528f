#!/usr/bin/env bash
# One process, embedded defaults: collector + pipeline + in-process queue + chdb in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/rum run "$@"

#!/usr/bin/env bash
# Regenerates docs/dashboard.png, the README's picture of the built-in dashboard:
# `rum run` over generated page views, signed in and photographed in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/chromium.sh
scripts/setup.sh test
PYTHONPATH=. exec .venv/bin/python scripts/screenshot.py "${1:-docs/dashboard.png}"

#!/usr/bin/env bash
# Idempotent set-up shared by run.sh and test.sh: a venv with the project installed
# (with test extras when asked: `setup.sh test`), the built snippet and the built dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-}

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  # A new venv brings the setuptools Python shipped with, which has known advisories.
  .venv/bin/pip install -q --upgrade pip setuptools
  .venv/bin/pip install -q -c requirements.lock -e ".${extras:+[$extras]}"
  touch "$stamp"
fi

command -v npm >/dev/null || { echo "setup: node and npm are required to build the snippet" >&2; exit 1; }
for package in js dashboards/web; do
  if [ ! -d "$package/node_modules" ] || [ "$package/package-lock.json" -nt "$package/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$package" --no-audit --no-fund --loglevel=error
  fi
  npm run --prefix "$package" --silent build
done

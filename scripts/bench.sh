#!/usr/bin/env bash
# Every benchmark, each printing our figure beside a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
scripts/setup.sh test
exec .venv/bin/python -m bench "$@"

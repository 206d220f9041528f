#!/usr/bin/env bash
# Every benchmark, each printing our figure beside a baseline measured in the same run.
# Installs what it needs (Debian's chromium and wrk, the venv, the snippet build) and
# runs its own Kafka broker on 127.0.0.1:9092, stopped however the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium wrk >/dev/null
fi
scripts/setup.sh test
trap 'scripts/kafka.sh stop' EXIT
scripts/kafka.sh start
export RUM_KAFKA=127.0.0.1:9092
.venv/bin/python -m bench "$@"

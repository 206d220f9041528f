#!/usr/bin/env bash
# Everything the tests need, then the tests: venv with test extras, the snippet,
# Debian's chromium, and a Kafka broker on 127.0.0.1:9092 that is stopped however
# the run ends. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
scripts/setup.sh test

trap 'scripts/kafka.sh stop' EXIT
scripts/kafka.sh start
export RUM_KAFKA=127.0.0.1:9092
.venv/bin/python -m pytest "$@"

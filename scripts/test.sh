#!/usr/bin/env bash
# Everything the tests need, then the tests: venv with test extras, the snippet,
# Debian's chromium, and a Kafka broker on 127.0.0.1:9092 that is stopped however
# the run ends. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/chromium.sh
scripts/setup.sh test

trap 'scripts/kafka.sh stop' EXIT
scripts/kafka.sh start
export RUM_KAFKA=127.0.0.1:9092
.venv/bin/python -m pytest "$@"

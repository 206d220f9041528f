#!/usr/bin/env bash
# Debian's chromium, which Playwright drives (its own browser downloads are not used).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

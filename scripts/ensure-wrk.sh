#!/usr/bin/env bash
# The gateway benchmark drives load with wrk (Debian's package); install it when missing.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
fi
command -v wrk >/dev/null 2>&1 || { echo "wrk is required for make bench (apt-get install wrk)"; exit 1; }

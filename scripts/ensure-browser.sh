#!/usr/bin/env bash
# Make sure the catalog's browser test can run: Debian's Chromium (+ chromedriver) and Playwright's Python
# package (driving that Chromium, so no browser download from Playwright's CDN is needed).
# Idempotent: does nothing when everything is there. Usage: bash scripts/ensure-browser.sh [PYTHON]
set -euo pipefail

PYTHON="${1:-.venv/bin/python}"

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi

if ! "$PYTHON" -c "import playwright" >/dev/null 2>&1; then
  echo "installing playwright (python package only)"
  if grep -qi '^playwright==' constraints.txt 2>/dev/null; then
    "$PYTHON" -m pip install --quiet -c constraints.txt playwright
  else
    "$PYTHON" -m pip install --quiet "playwright>=1.45"
  fi
fi

echo "browser ready: $(chromium --version 2>/dev/null | head -n1)"

#!/usr/bin/env bash
# The browser test needs Chromium. Install Debian's package when this machine allows it
# (root, or passwordless sudo, with apt-get); otherwise stop at once with the one command to run.
set -euo pipefail
CHROMIUM="${CNNCOURSE_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0

install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "make: installing Debian's chromium for the browser test"
    sh -c "$install" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "make: installing Debian's chromium for the browser test (sudo)"
    sudo sh -c "$install" >/dev/null
  fi
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "make: the browser test needs Chromium at $CHROMIUM. Install it with:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y chromium" >&2
  echo "(or set CNNCOURSE_CHROMIUM to a Chromium binary; 'make check' runs without one)" >&2
  exit 1
fi

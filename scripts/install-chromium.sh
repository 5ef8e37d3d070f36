#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/web, marker `browser`).
#
# Idempotent: does nothing when Chromium is already there. The package index is
# refreshed only when Chromium is missing. Never use `playwright install`: it
# downloads a browser build of its own, which this project's machines cannot
# fetch. The tests drive this system Chromium through Playwright instead.
#
# Prints the path of the Chromium executable on success.
set -euo pipefail

CHROMIUM="${PERISAI_CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    else
        SUDO=""
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "install-chromium: $CHROMIUM is still missing after apt-get install" >&2
    exit 1
fi
echo "$CHROMIUM"

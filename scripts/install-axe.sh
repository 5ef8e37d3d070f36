#!/usr/bin/env bash
# Installs axe-core (MPL-2.0) from the npm registry into tests/web/node, for the
# accessibility checks of the browser tests (tests/web, marker `browser`).
#
# Idempotent: does nothing when axe.min.js is already there. The pinned version
# keeps rule sets, and so test results, stable. Prints the path of axe.min.js.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION="${PERISAI_AXE_VERSION:-4.10.3}"
PREFIX="tests/web/node"
AXE="$PREFIX/node_modules/axe-core/axe.min.js"

if [ ! -f "$AXE" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-axe: npm is missing (apt-get install npm)" >&2
        exit 1
    fi
    mkdir -p "$PREFIX"
    npm install --silent --no-audit --no-fund --save-exact --prefix "$PREFIX" "axe-core@$AXE_VERSION" >/dev/null
fi

if [ ! -f "$AXE" ]; then
    echo "install-axe: $AXE is still missing after npm install" >&2
    exit 1
fi
echo "$(pwd)/$AXE"

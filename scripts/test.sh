#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest against SQLite and PostgreSQL
# with the browser tests in headless Chromium. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/start-postgres.sh
scripts/install-chromium.sh >/dev/null
export PERISAI_TEST_POSTGRES_URL=${PERISAI_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
echo "== ruff" && .venv/bin/ruff check src tests bench
echo "== mypy" && .venv/bin/mypy
echo "== pytest" && .venv/bin/python -m pytest "$@"

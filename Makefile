.PHONY: serve test bench

# Start the service on embedded defaults (SQLite, bundled models, demo policy).
serve:
	scripts/bootstrap.sh
	.venv/bin/perisai serve

# Run the whole test suite (starts PostgreSQL and installs Chromium if needed).
test:
	scripts/test.sh

# Benchmarks (slow; not part of the test suite).
bench:
	scripts/bootstrap.sh
	for b in bench/*.py; do .venv/bin/python $$b || exit 1; done

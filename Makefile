# The project's commands. `make run` and `make test` are the README's two-command quickstart;
# each installs what it needs on first use (a virtualenv in .venv; for the browser tests,
# Debian's chromium when running as root, and the Node examples' packages when npm exists).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: `make run` needs only what running needs; `make test` adds the test tools
# (playwright, schemathesis, ...) on top.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench browser-deps container-deps clean

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(RUN_STAMP)
	$(VENV)/bin/ferndesk-verifier serve --demo

# The whole suite on SQLite, then the whole suite again on PostgreSQL with every real server on
# 4 worker processes (PostgreSQL is started by tests/postgres.sh, which gives this run a database
# of its own, dropped at the end; under CI=true its absence is a failure, elsewhere a loud skip).
test: $(STAMP) browser-deps container-deps
	@# The container tests' image is built first (debootstrap and pip need the network, which
	@# tests do not get); tests/container/build_image.py skips what is already built and current.
	@if [ "$$(id -u)" = 0 ] && command -v podman >/dev/null; then \
	  $(PY) -m tests.container.build_image >/dev/null || [ "$$CI" != true ]; fi
	$(PY) -m pytest
	@url=$$(bash tests/postgres.sh) || { echo "POSTGRESQL RUN SKIPPED: no PostgreSQL here"; \
	  [ "$$CI" != true ] || exit 1; exit 0; }; \
	trap 'bash tests/postgres.sh drop "$$url"' EXIT; \
	echo "== the whole suite again, on PostgreSQL (database $${url##*/}), servers with 4 workers"; \
	FERNDESK_VERIFIER_TEST_DATABASE_URL=$$url FERNDESK_VERIFIER_TEST_WORKERS=4 $(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest tests/unit tests/api -q

# ESLint (each folder's eslint.config.mjs) checks the stub SDK and the npm package when npm
# exists.
lint: $(STAMP)
	$(VENV)/bin/ruff check verifier tests bench migrations examples
	$(VENV)/bin/mypy verifier
	@if command -v npm >/dev/null; then \
	  [ -d sdk_stub/node_modules ] || npm install --prefix sdk_stub --no-audit --no-fund --silent; \
	  npm run --prefix sdk_stub --silent lint; \
	  [ clients/node/node_modules/.package-lock.json -nt clients/node/package-lock.json ] || \
	    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix clients/node --no-audit --no-fund --silent; \
	  npm run --prefix clients/node --silent lint; \
	else echo "ESLINT SKIPPED: no npm here"; fi

bench: $(STAMP)
	bash bench/run.sh

# Never `playwright install`: the tests drive Debian's /usr/bin/chromium.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; fi
	@if command -v npm >/dev/null && [ ! -d examples/node/node_modules ]; then \
	  npm install --prefix examples/node --no-audit --no-fund --silent; fi
	@if command -v npm >/dev/null && \
	  [ ! examples/nextjs/node_modules/.package-lock.json -nt examples/nextjs/package-lock.json ]; then \
	  npm ci --prefix examples/nextjs --no-audit --no-fund --silent; fi
	@if command -v npm >/dev/null && \
	  [ ! clients/node/node_modules/.package-lock.json -nt clients/node/package-lock.json ]; then \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix clients/node --no-audit --no-fund --silent; fi

# Podman, runc and debootstrap build and run the container image in tests/container (as root;
# elsewhere those tests skip, and under CI=true they fail).
container-deps:
	@if [ "$$(id -u)" = 0 ] && ! { command -v podman && command -v debootstrap \
	  && [ -x /usr/sbin/runc ]; } >/dev/null; then \
	  apt-get update -qq && apt-get install -y -qq podman runc debootstrap >/dev/null; fi

clean:
	rm -rf $(VENV) build *.egg-info ferndesk-verifier.db* examples/node/node_modules \
	  examples/nextjs/node_modules examples/nextjs/.next sdk_stub/node_modules \
	  clients/node/node_modules

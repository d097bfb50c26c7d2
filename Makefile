# onewindow: set-up, tests, demo and benchmarks.
#
# Every target first does the set-up a fresh Debian 12 machine with only Python 3.11, git and make
# needs (Debian packages, .venv, front-end assets). Each step is idempotent and takes well under a
# second when already done: Debian packages are checked with dpkg-query, the venv and node_modules
# are rebuilt only when the content of their lock files changes (stamps in .make/).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Set-up steps, the PostgreSQL port and the stamps are shared: never run targets in parallel.
.NOTPARALLEL:

VENV       := .venv
STAMPS     := .make
UV_VERSION := 0.13.9
PYTEST     := $(VENV)/bin/pytest -q -p no:cacheprovider
RUFF       := $(VENV)/bin/ruff
# Paths for ruff that exist (tests/ and bench/ may not yet).
RUFF_PATHS := $(wildcard src tests bench)
# Extra pytest arguments, e.g. make test-sqlite PYTEST_ARGS='-k registry -x'.
PYTEST_ARGS ?=
# Port of the throw-away PostgreSQL cluster (scripts/postgres.sh); not 5432, so it never
# collides with a system cluster.
PG_PORT    ?= 54329
export PG_PORT

# uv must never fetch a Python of its own: the venv's interpreter is the machine's python3.
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: help setup debs venv assets demo test lint lint-check format test-sqlite test-postgres \
	bench clean

help:
	@echo "make demo           set up, then build a demo city and serve it on 127.0.0.1:8000"
	@echo "make test           set up, lint, then the whole test suite on SQLite and on PostgreSQL"
	@echo "make test-sqlite    set up, then the test suite on SQLite only"
	@echo "make test-postgres  set up, then the test suite on a throw-away PostgreSQL only"
	@echo "make bench          set up, then bench/registry.py"
	@echo "make lint           ruff check + ruff format --check"
	@echo "make format         ruff format + ruff check --fix"
	@echo "make setup          only the set-up (Debian packages, .venv, front-end assets)"
	@echo "make clean          remove .venv, node_modules, vendored assets and stamps"

# ---------------------------------------------------------------------------------------------
# Set-up

setup: debs venv assets

# a. Debian packages (PostgreSQL, Chromium, fonts, Node.js if npm is missing).
debs:
	@scripts/debian-packages.sh

# b. The virtualenv: python3 -m venv, a pinned uv, then uv sync --frozen (locked deps with the dev
#    group, the project editable). Redone only when uv.lock, pyproject.toml or the uv pin change;
#    a damaged venv (interpreter gone, an entry point missing) is rebuilt from scratch. The stamp
#    is written last, so an interrupted run is redone.
VENV_OK := { $(VENV)/bin/python -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null \
	&& [ -x $(VENV)/bin/pytest ] && [ -x $(VENV)/bin/ruff ] && [ -x $(VENV)/bin/onewindow ]; }
venv: debs
	@key="uv=$(UV_VERSION) $$(cat uv.lock pyproject.toml | sha256sum | cut -c1-32)"; \
	if [ -f $(STAMPS)/venv ] && [ "$$(cat $(STAMPS)/venv)" = "$$key" ] && $(VENV_OK); then exit 0; fi; \
	echo "== setting up $(VENV) (uv $(UV_VERSION), uv sync --frozen)"; \
	if ! $(VENV_OK); then rm -rf $(VENV); fi; \
	rm -f $(STAMPS)/venv; \
	if ! [ -x $(VENV)/bin/python ]; then \
	    rm -rf $(VENV); python3 -m venv $(VENV); \
	fi; \
	if [ "$$($(VENV)/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$(UV_VERSION)" ]; then \
	    $(VENV)/bin/python -m pip --version >/dev/null 2>&1 || $(VENV)/bin/python -m ensurepip -q; \
	    $(VENV)/bin/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION); \
	fi; \
	$(VENV)/bin/uv sync --frozen --quiet; \
	$(VENV_OK) || { echo "error: $(VENV) is incomplete after uv sync" >&2; exit 1; }; \
	mkdir -p $(STAMPS); echo "$$key" > $(STAMPS)/venv.tmp; mv $(STAMPS)/venv.tmp $(STAMPS)/venv

# c. Front-end assets: npm ci from package-lock.json (only when it or package.json changed, or
#    node_modules is gone), then copy htmx, Pico CSS and axe-core into src/onewindow/static/vendor.
assets: debs
	@key="$$(cat package.json package-lock.json | sha256sum | cut -c1-32)"; \
	if ! [ -f $(STAMPS)/npm ] || [ "$$(cat $(STAMPS)/npm)" != "$$key" ] || ! [ -d node_modules ]; then \
	    echo "== installing front-end packages (npm ci)"; \
	    rm -f $(STAMPS)/npm; \
	    npm ci --no-audit --no-fund --loglevel=error </dev/null; \
	    mkdir -p $(STAMPS); echo "$$key" > $(STAMPS)/npm.tmp; mv $(STAMPS)/npm.tmp $(STAMPS)/npm; \
	fi
	@scripts/vendor-assets.sh
	@$(MAKE) --no-print-directory messages

# d. Translations: compile each locale's django.po into django.mo (when the .po is newer).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard src/onewindow/locale/*/LC_MESSAGES/django.po))
.PHONY: messages
messages: $(MO_FILES)
src/onewindow/locale/%/LC_MESSAGES/django.mo: src/onewindow/locale/%/LC_MESSAGES/django.po
	@echo "== compiling translations: $*"
	@msgfmt --check-format -o $@.tmp $< && mv $@.tmp $@

# ---------------------------------------------------------------------------------------------
# Running

demo: setup
	@echo "== demo: building a demo city, serving on http://127.0.0.1:8000"
	$(VENV)/bin/onewindow demo

bench: setup
	@echo "== bench: bench/registry.py"
	$(VENV)/bin/python bench/registry.py $(BENCH_ARGS)

# ---------------------------------------------------------------------------------------------
# Checks

lint: venv lint-check

lint-check:
	@echo "== lint: ruff check, ruff format --check ($(RUFF_PATHS))"
	@status=0; \
	$(RUFF) check $(RUFF_PATHS) || status=1; \
	$(RUFF) format --check $(RUFF_PATHS) || status=1; \
	exit $$status

format: venv
	$(RUFF) format $(RUFF_PATHS)
	$(RUFF) check --fix $(RUFF_PATHS)

# The whole suite, browser (e2e) tests included, on SQLite (DATABASE_URL unset) and then on a
# throw-away PostgreSQL. Every stage runs even if an earlier one failed; the exit status is
# non-zero if any failed. pytest's "no tests collected" (exit 5) counts as a failure.
test: setup
	@rm -f $(STAMPS)/junit-*.xml; lint=ok; sqlite=ok; postgres=ok; \
	$(MAKE) --no-print-directory lint-check || lint=FAILED; \
	$(MAKE) --no-print-directory run-sqlite || sqlite=FAILED; \
	$(MAKE) --no-print-directory run-postgres || postgres=FAILED; \
	echo "== summary: lint $$lint, tests on SQLite $$sqlite, tests on PostgreSQL $$postgres"; \
	$(VENV)/bin/python scripts/test-summary.py $(STAMPS)/junit-sqlite.xml $(STAMPS)/junit-postgres.xml; \
	[ "$$lint$$sqlite$$postgres" = okokok ]

test-sqlite: setup run-sqlite

test-postgres: setup run-postgres

.PHONY: run-sqlite run-postgres
run-sqlite:
	@echo "== tests on SQLite"
	env -u DATABASE_URL $(PYTEST) --junitxml=$(STAMPS)/junit-sqlite.xml $(PYTEST_ARGS)

# The cluster is stopped and its temp dir removed on every exit, failures and Ctrl-C included.
run-postgres:
	@echo "== tests on PostgreSQL (throw-away cluster on 127.0.0.1:$(PG_PORT))"
	@trap 'scripts/postgres.sh stop' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	url="$$(scripts/postgres.sh start)"; \
	cmd=($(PYTEST) --junitxml=$(STAMPS)/junit-postgres.xml $(PYTEST_ARGS)); \
	echo "DATABASE_URL=$$url $${cmd[*]}"; \
	DATABASE_URL="$$url" "$${cmd[@]}"

clean:
	rm -rf $(VENV) node_modules src/onewindow/static/vendor $(STAMPS)

# `make demo` and `make test` each do all of their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install postgres lint test unit demo bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# PostgreSQL server binaries for the integration tests (the tests start and stop
# a private server on loopback themselves).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  echo "installing PostgreSQL server binaries"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

# ruff on the runner and the tests, mypy on the planner (settings in pyproject.toml)
lint: install
	$(BIN)/ruff check runner tests
	$(BIN)/mypy

test: install postgres lint
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(BIN)/pytest -q -ra -n 2 tests

unit: install
	$(BIN)/pytest -q tests/unit

demo: install
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(BIN)/python examples/demo.py

clean:
	rm -rf $(VENV) demo integration_tests/target integration_tests/dbt_packages integration_tests/logs

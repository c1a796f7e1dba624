# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    create .venv, install, open the kiosk on the built-in demo config and demo DB
#   make test   create .venv with the test dependencies, run the whole suite
PYTHON ?= python3
# Two pytest workers: much of the suite waits on subprocesses, terminals and fsync, so two
# processes keep two cores busy (6 min → 3.5 min on the 2-core CI machine).
TEST_WORKERS ?= 2
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages the end-to-end and deployment tests drive for real (package:command).
# python3: an interpreter other users may run, for the tests that run the app as them (a pyenv
# Python under /root is out of their reach). postgresql: the test session starts its own server
# (tests/pg_server.py); Debian keeps its binaries off PATH, so the check is the path (a glob).
TEST_DEBS := tmux:tmux sqlite3:sqlite3 openssh-server:/usr/sbin/sshd openssh-client:ssh python3:/usr/bin/python3 \
             postgresql:/usr/lib/postgresql/*/bin/initdb

.PHONY: run test lint bench system-deps clean

# Debian's own python3 ships without venv (package python3-venv): install it when root, else say so.
$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
	    && $(PYTHON) -m venv $(VENV); \
	  else echo "Python's venv module is missing: install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.run-installed

# The registration screen on the built-in demo and the user's demo DB (created on first use; never
# the host's config or database, even where /etc/taelleuge exists).
run: $(VENV)/.run-installed
	$(BIN)/taelleuge --demo

# Installs missing Debian packages when run as root (CI); otherwise says what is missing, and the
# tests that need them are skipped with that reason (the PostgreSQL tests fail instead when CI=true).
# A command given as a path may be a glob: unquoted, the shell expands it before the check.
system-deps:
	@missing=""; for pc in $(TEST_DEBS); do command -v $${pc#*:} >/dev/null 2>&1 || missing="$$missing $${pc%%:*}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages (their tests will be skipped):$$missing"; fi; \
	fi

# tests/isolated.sh: the host's /etc/taelleuge (an installation's config) is hidden from the suite.
test: $(VENV)/.test-installed system-deps
	tests/isolated.sh $(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: $(VENV)/.test-installed
	$(BIN)/lint-imports

bench: $(VENV)/.test-installed
	$(BIN)/python bench/commit_latency.py
	$(BIN)/python bench/concurrent_writers.py
	$(BIN)/python bench/totals.py

clean:
	rm -rf $(VENV) .pytest_cache snapshot_report.html

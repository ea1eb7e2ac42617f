# mobilize-sync: `make run` sets everything up and runs the demo; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The embedded default: SQLite, the web server with a real Celery worker and beat on a broker in
# var/broker/ (logs in var/log/), in-process rate limiter, the sandbox on. The demo's syncs go
# through the worker. Ctrl-C stops all of it.
run: export DJANGO_DEBUG ?= 1
# The demo's ActionKit, PDI, Ascend, Action Network and Mobile Commons are local sandboxes: do not wait
# on production rates. Action Network's sandbox enforces Action Network's 4/second per token, so its
# limit (SANDBOX_ACTIONNETWORK_RATE) is raised with the client's, or the client would meet 429s.
run: export ACTIONKIT_READ_RATE ?= 100/second
run: export ACTIONKIT_WRITE_RATE ?= 100/second
run: export PDI_READ_RATE ?= 100/second
run: export PDI_WRITE_RATE ?= 100/second
run: export ASCEND_READ_RATE ?= 100/second
run: export ASCEND_WRITE_RATE ?= 100/second
run: export MOBILECOMMONS_RATE ?= 100/second
run: export ACTIONNETWORK_RATE ?= 100/second
run: export SANDBOX_ACTIONNETWORK_RATE ?= 100/second
run: setup .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py run_embedded --demo --address $(HOST):$(PORT)

# DJANGO_DEBUG=1 and secrets generated for this checkout, so any `manage.py` command works here
# without exporting anything. Written once; an existing .env is never overwritten.
.env: | $(VENV)/.installed
	$(PY) -m mobilize_sync.devenv $@

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Browser tests drive Debian's chromium; the compose check runs Debian's docker-compose (`config`
# needs no engine). Install them when we can (root on Debian), else say so.
tools:
	@missing=""; for tool in chromium docker-compose; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	[ -z "$$missing" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "The tests need:$$missing (sudo apt-get install$$missing)"; exit 1; fi; }

# The whole suite. Uses DATABASE_URL and REDIS_URL when set (CI sets PostgreSQL and Redis).
test: setup tools
	$(BIN)/pytest -m "not smoke" -n 2 --dist loadfile

# A real `celery worker` process syncing through Redis into PostgreSQL (needs both URLs).
smoke: setup
	$(BIN)/pytest -m smoke -p no:xdist

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(PY) bench/fetch_benchmark.py
	$(PY) bench/actionkit_benchmark.py
	$(PY) bench/pdi_benchmark.py

.PHONY: run setup tools test smoke lint bench

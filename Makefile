# Nghị Sự — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run stack test lint bench install install-dev messages clean backup restore

$(VENV)/bin/activate:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Nghị Sự needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install GNU gettext (apt-get install gettext)"; exit 1; }
	DEBUG=$${DEBUG:-1} $(PY) manage.py compilemessages --ignore='.venv' --ignore='var' -v0

# Set up, load the Sơn La demo and serve on http://$(HOST):$(PORT) with a task worker.
run: export DEBUG ?= 1
run: export TASK_BACKEND ?= database
run: install messages
	$(PY) manage.py migrate --noinput -v0
	@mkdir -p var
	$(PY) manage.py seed_demo > var/demo-accounts.txt
	@# The address and the demo sign-ins come last, once the server answers
	@# (the demo's e-mails go to var/mail/, not here; the scheduler's minute
	@# report and the worker's own INFO logs stay out; its task lines remain).
	@trap 'kill 0' EXIT INT TERM; \
	  LOG_LEVEL=$${WORKER_LOG_LEVEL:-WARNING} $(PY) manage.py db_worker --queue-name '*' & \
	  LOG_LEVEL=$${WORKER_LOG_LEVEL:-WARNING} $(PY) manage.py run_schedule & \
	  $(PY) -m nghisu.serve --host $(HOST) --port $(PORT) & \
	  $(PY) -c 'import socket, sys, time; [time.sleep(0.3) for _ in range(100) if socket.socket().connect_ex((sys.argv[1], int(sys.argv[2])))]' $(HOST) $(PORT); \
	  sleep 1; echo ""; cat var/demo-accounts.txt; echo ""; \
	  echo "Nghị Sự: http://$(HOST):$(PORT)/   (Ctrl+C to stop)"; \
	  wait

# The production layout on one machine: nginx (TLS, self-signed) in front of two
# web processes, a worker and the scheduler, on PostgreSQL and Redis (created if
# missing); https://127.0.0.1:$(STACK_PORT)/. STACK_ARGS=--demo loads the demo.
STACK_PORT ?= 8443
stack: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/nghisu_stack
stack: export REDIS_URL ?= redis://127.0.0.1:6379/0
stack: install messages
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is missing: apt-get install nginx"; exit 1; }
	$(PY) -m deploy.stack --port $(STACK_PORT) $(STACK_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

# Every test: lint, then the whole suite (services it cannot find are skipped
# with a reason locally, and fail under CI=true).
test: install-dev messages
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev messages
	$(PY) -m bench $(BENCH_ARGS)

# Back up the database and the media folder into a new folder (DIR, by default
# backups/<UTC time>, which make clean leaves alone), and restore one
# (docs/deployment.md, "Backup and restore"). Restore asks before it replaces
# anything; stop the web processes and workers first.
backup: install
	$(PY) manage.py backup "$${DIR:-backups/$$(date -u +%Y%m%dT%H%M%SZ)}"

restore: install
	@test -n "$(DIR)" || { echo "usage: make restore DIR=backups/<time>"; exit 2; }
	$(PY) manage.py restore "$(DIR)"

clean:
	rm -rf var/ .pytest_cache .ruff_cache

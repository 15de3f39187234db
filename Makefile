# Routine commands. Python 3.11 is needed: Python packages go into .venv. Where npm exists,
# the chart library (Chart.js) goes into node_modules, from where Django serves it; without
# npm everything works except that the dashboard shows its tables without charts.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
export HELPDESK_PORT ?= 8000

.PHONY: install run test lint format bench profile e2e audit messages clean slowloris

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Re-runs when package.json (or its lock) changes.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $(NODE_STAMP); \
	else \
		echo "npm not found: the dashboard will show tables without charts (install Node.js to get them)."; \
	fi

install: $(STAMP) $(NODE_STAMP)

## Embedded default: SQLite + on-disk broker; web, worker and beat together.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Service desk:  http://acme.localhost:$(HELPDESK_PORT)/   (platform sign-up: http://localhost:$(HELPDESK_PORT)/)"
	@echo "  Demo logins:   admin@acme.test, manager@acme.test, lead.repair@acme.test, agent1@acme.test"
	@echo "                 trainee@acme.test, quality@acme.test — password: helpdesk-demo"
	@echo "  API docs:      http://acme.localhost:$(HELPDESK_PORT)/api/docs/"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff, the layers (import-linter, contracts in pyproject.toml), and no import inside a function
# that crosses from one app to another (counted by ../shared/tools/local_imports.py where the
# shared tools sit beside the checkout).
LOCAL_IMPORTS := ../shared/tools/local_imports.py
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports
	@if [ -f $(LOCAL_IMPORTS) ]; then \
		out=$$($(BIN)/python $(LOCAL_IMPORTS) .); echo "$$out" | tail -n 1; \
		echo "$$out" | tail -n 1 | grep -q ': 0$$' || { echo "$$out"; exit 1; }; \
	fi

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .pytest_cache

## Queue and SLA sweep benchmarks: 1M tickets each in PostgreSQL (helpdesk_bench and
## helpdesk_bench_sla, created if missing); load once, then print figures. One of them:
## BENCH_ARGS="--only queue" or "--only sla". The mixed load test (50 clients for 60 s, then a
## check that every accepted write is stored): BENCH_ARGS="--only load". The installed base
## (unit lookup by serial and by phone among 1,000,000 units, the ticket page about a unit with
## 200 history entries; helpdesk_bench_units): BENCH_ARGS="--only units". Ticket creation and
## a priority change with 0 and 100 active triggers (helpdesk_bench_triggers):
## BENCH_ARGS="--only triggers". See docs/benchmarks.md.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

## CPU time per request, in-process, on the queue benchmark's loaded database: queue pages and
## the ticket API. PROFILE_ARGS="--profile 'api create'" adds a cProfile of one of them.
profile: install
	$(BIN)/python -m bench.profile_requests $(PROFILE_ARGS)

## Slow-client drill (docs/security.md, "Slow clients"): 200 connections that send headers a byte
## a second while ordinary GET /healthz must keep being answered; about a minute, loopback only.
## Default: the Procfile's web server. SLOW_ARGS="--target nginx" (docker/nginx.conf before
## gunicorn; installs Debian's nginx if missing) or "--target gunicorn" (bare sync workers).
slowloris: install
	$(BIN)/python -m bench.slow_clients $(SLOW_ARGS)

## Browser end-to-end tests: PostgreSQL (DATABASE_URL, else a fresh local helpdesk_e2e) and
## Redis, gunicorn + Celery worker + beat, Playwright on Debian's /usr/bin/chromium.
E2E_STAMP := $(VENV)/.e2e-installed-stamp
$(E2E_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,e2e]"
	touch $(E2E_STAMP)

e2e: $(E2E_STAMP)
	$(BIN)/python tests_e2e/run.py $(E2E_ARGS)

## Security audit: bandit over the project's code (every accepted finding carries a
## "nosec <rule> - why" comment), then pip-audit over the installed packages.
AUDIT_STAMP := $(VENV)/.audit-installed-stamp
APPS := config helpdesk customers products repairs tickets sla surveys knowledge reports fieldservice automations
$(AUDIT_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,audit]"
	touch $(AUDIT_STAMP)

audit: $(AUDIT_STAMP)
	$(BIN)/bandit -q -r $(APPS) -x '*/migrations/*'
	$(BIN)/python .ci/pip_audit.py

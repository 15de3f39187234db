# Routine commands. Only Python 3.11 is needed: everything else is installed into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export HELPDESK_PORT ?= 8000

.PHONY: install run test lint format bench e2e messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .pytest_cache

# Regulars: the two commands are `make run` and `make test`; crm/stack.py does the work.
PYTHON ?= python3
VENV_PYTHON = .venv/bin/python

.PHONY: run test lint messages services stop clean

## Install what is missing, start PostgreSQL, Redis, Celery and the web server on the demo data.
run:
	$(PYTHON) crm/stack.py run

## The same set-up on other ports with throw-away data, then every test (browser tests included).
test:
	$(PYTHON) crm/stack.py test $(PYTEST_ARGS)

## ruff over the code.
lint:
	$(VENV_PYTHON) -m ruff check .

## Refresh the translation catalogs from the code (then translate what is new).
messages:
	$(VENV_PYTHON) manage.py makemessages -l de -l et --no-obsolete --ignore .venv --ignore var --ignore tests
	$(VENV_PYTHON) manage.py compilemessages --ignore .venv

## Start only PostgreSQL and Redis of `make run` (for manage.py by hand); `make stop` stops them.
services:
	$(PYTHON) crm/stack.py services run

stop:
	$(PYTHON) crm/stack.py stop run

## Forget the local data and the virtual environment.
clean: stop
	rm -rf var .venv test-artifacts

# Regulars: the two commands are `make run` and `make test`; the runner in stack/ does the work
# (standard library only: it runs before the virtual environment exists).
PYTHON ?= python3
VENV_PYTHON = .venv/bin/python

.PHONY: run test lint bench messages services stop clean

## Install what is missing, start PostgreSQL, Redis, Celery and the web server on the demo data.
run:
	$(PYTHON) -m stack run

## The same set-up on other ports with throw-away data, then every test (browser tests included).
test:
	$(PYTHON) -m stack test $(PYTEST_ARGS)

## The static checks that `make test` runs first (ruff's lint rules and format check), alone.
lint:
	$(PYTHON) -m stack lint

## The benchmark of BENCHMARKS.md: `make bench` (size S) or `make bench SIZE=L`; writes docs/benchmarks.md.
SIZE ?= S
bench:
	$(PYTHON) -m stack bench --size $(SIZE) $(BENCH_ARGS)

## Refresh the translation catalogs from the code (then translate what is new).
messages:
	$(VENV_PYTHON) manage.py makemessages -l de -l et --no-obsolete --ignore .venv --ignore var --ignore tests
	$(VENV_PYTHON) manage.py compilemessages --ignore .venv

## Start only PostgreSQL and Redis of `make run` (for manage.py by hand); `make stop` stops them.
services:
	$(PYTHON) -m stack services run

stop:
	$(PYTHON) -m stack stop run

## Forget the local data and the virtual environment.
clean: stop
	rm -rf var .venv .venv-bench test-artifacts

# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
WORKERS ?= 3

.PHONY: install run serve test test-faults lint migrate demo bench bench-full bench-customers screenshots clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py createcachetable

# Development server: DEBUG on unless set, demo data loaded, gunicorn + whitenoise.
run: export DEBUG ?= 1
run: install
	$(BIN)/python manage.py prepare
	@echo ""
	@echo "  Admin:          http://127.0.0.1:$(PORT)/admin/   (admin / admin-pass, agent / agent-pass, supervisor / supervisor-pass)"
	@echo "  API reference:  http://127.0.0.1:$(PORT)/v2/docs/"
	@echo "  Demo till:      curl -u demo.till:demo-secret http://127.0.0.1:$(PORT)/v2/customers/lookup?source=INSTORE&identifierName=mobile&identifierValue=919111111111"
	@echo ""
	exec $(BIN)/gunicorn config.wsgi:application --config python:config.gunicorn_conf --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - --logger-class config.gunicorn_logging.MaskingLogger

test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

# The fault suite (tests/reliability/test_outage.py): a live gunicorn on its own embedded
# PostgreSQL server (.pgdata-faults/), frozen, stopped and restarted under traffic.
test-faults: install
	$(BIN)/pytest tests/reliability/test_outage.py -m outage -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: migrate
	$(BIN)/python manage.py load_demo

# Benchmarks (README "Benchmarks"): fill loyalty_bench_<size> databases on the embedded server,
# run gunicorn + wrk, write bench/results.md. `make bench`: 10k and 100k customers, 5 s runs.
bench: install
	$(BIN)/python bench/run.py --customers 100000 --duration 5

bench-full: install
	$(BIN)/python bench/run.py --customers 1000000 --duration 15

bench-customers: migrate
	$(BIN)/python bench/customers.py --customers 100000

clean-db:
	rm -rf .pgdata

# Staff console screenshots (docs/screenshots/*.png) from the browser tests.
screenshots: install
	SCREENSHOTS=1 $(BIN)/pytest tests/console -m browser -q $(PYTEST_ARGS)

# crmhub: `make run` serves the dashboard and GraphiQL with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

LOCK   := requirements.lock

.PHONY: run test lint typecheck bench schema install lock clean vendor

install: $(STAMP)

# The exact versions (and hashes) of requirements.lock, then the project itself; `pip check`
# fails when the lock no longer covers pyproject.toml (run `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $(STAMP)

# Re-resolves pyproject.toml's ranges to their newest releases into requirements.lock.
# `make lock UPGRADE=package` moves that package only; plain `make lock` keeps what it can.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --extra tracing --generate-hashes --allow-unsafe \
		--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade-package $(UPGRADE),) \
		--output-file $(LOCK) pyproject.toml

run: $(STAMP)
	$(BIN)/crmhub migrate
	$(BIN)/crmhub demo --if-empty
	$(BIN)/crmhub serve

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python tools/check_layers.py .

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick,) $(BENCH_ARGS)

# schema.graphql: the served SDL, committed so that every API change shows in review;
# tests/docs/test_schema.py fails until it is regenerated after a schema change.
schema: $(STAMP)
	$(BIN)/crmhub export-schema --output schema.graphql

# Re-fetches GraphiQL's assets at their pinned versions (needs npm; the result is committed).
vendor:
	web/vendor/fetch

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache

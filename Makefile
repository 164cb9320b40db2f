# crmhub: `make run` serves the dashboard and GraphiQL with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck bench schema install clean vendor

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

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
	@# The layer check ships with the project's shared folder; a checkout without it skips it.
	@if [ -x ../shared/tools/check-layers ]; then ../shared/tools/check-layers .; \
	else echo "check-layers: ../shared/tools not found, layer check skipped"; fi

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

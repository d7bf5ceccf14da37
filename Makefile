# mentionwatch: `make demo` runs the whole system locally; `make test` runs the tests. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
STAMP := $(VENV)/.installed

.PHONY: dev demo serve test unit integration e2e lint format typecheck check-template build deploy bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v 'WARNING: Location' || true
	$(BIN)/python -c "import mentionwatch, moto, pytest" 
	touch $(STAMP)

dev: $(STAMP) ## .venv with the project, its CLI `mentionwatch` and the dev tools
	@echo "dev: activate with 'source $(VENV)/bin/activate'; the CLI is $(BIN)/mentionwatch"

demo: $(STAMP) ## the whole system on an embedded AWS emulation, replaying events/mention-stream.jsonl
	$(BIN)/python -m mentionwatch.local demo

serve: $(STAMP) ## the same stack kept up on 127.0.0.1:$(PORT)
	$(BIN)/python -m mentionwatch.local serve --port $(PORT)

test: $(STAMP) ## unit, integration (moto) and end-to-end (local stack) tests
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

LINTED := layers functions tests bench conftest.py

lint: $(STAMP) ## ruff check and ruff format --check (the template has its own target: check-template)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

typecheck: $(STAMP) ## mypy --strict on the layer, then each handler on its own (every handler module is named app)
	$(BIN)/mypy layers/mentionwatch/mentionwatch
	@for handler in functions/*/app.py; do echo "mypy $$handler"; $(BIN)/mypy $$handler || exit 1; done

check-template: ## sam validate --lint and cfn-lint (tools in their own venv under .tools/)
	scripts/check-template.sh

build: ## sam build for arm64 with no Docker
	scripts/check-template.sh --build

deploy: build
	.tools/venv/bin/sam deploy --guided

bench: $(STAMP)
	@for script in bench/*_bench.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .ruff_cache .mypy_cache

# mentionwatch: `make demo` runs the whole system locally; `make test` runs the tests. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
STAMP := $(VENV)/.installed

.PHONY: dev console demo serve test unit integration e2e lint format typecheck check-template build deploy bench clean \
	events lock check-locks

# The pinned versions first (hashes checked), then the project itself: a dependency added to pyproject.toml without
# re-locking still installs (unpinned) so work goes on, and `make check-locks` (in .ci/run) names it.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock 2>&1 \
		| { grep -v 'WARNING: Location' || true; }; test $${PIPESTATUS[0]} -eq 0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v 'WARNING: Location' || true
	$(BIN)/python -c "import mentionwatch, moto, pytest" 
	touch $(STAMP)

# The triage console (console/): bundled from the npm registry with the lock file into the package, where the API
# function serves it. Rebuilt when its sources or lock change; serve, demo, test and build depend on it.
CONSOLE_BUILT := layers/mentionwatch/mentionwatch/console/static/index.html
$(CONSOLE_BUILT): console/package.json console/package-lock.json console/build.mjs $(wildcard console/src/*)
	@command -v npm >/dev/null || { echo "console: npm (Node 20+) is needed to build the console" >&2; exit 1; }
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

console: $(CONSOLE_BUILT) ## build the triage console's bundles (npm ci && npm run build in console/)

dev: $(STAMP) ## .venv with the project, its CLI `mentionwatch` and the dev tools
	@echo "dev: activate with 'source $(VENV)/bin/activate'; the CLI is $(BIN)/mentionwatch"

demo: $(STAMP) $(CONSOLE_BUILT) ## the whole system on an embedded AWS emulation, replaying events/mention-stream.jsonl
	$(BIN)/python -m mentionwatch.local demo

serve: $(STAMP) $(CONSOLE_BUILT) ## the same stack kept up on 127.0.0.1:$(PORT) (DEMO_DATA=1: with the demo's mentions)
	$(BIN)/python -m mentionwatch.local serve --port $(PORT) $(if $(DEMO_DATA),--demo-data)

test: $(STAMP) $(CONSOLE_BUILT) ## unit, integration (moto) and end-to-end (local stack) tests
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

e2e: $(STAMP) $(CONSOLE_BUILT)
	$(BIN)/python -m pytest tests/e2e

LINTED := layers functions tests bench scripts conftest.py

lint: $(STAMP) ## ruff check and ruff format --check (the template has its own target: check-template)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

typecheck: $(STAMP) ## mypy --strict on the layer, then each handler on its own (every handler module is named app)
	$(BIN)/mypy layers/mentionwatch/mentionwatch
	@for handler in functions/*/app.py; do echo "mypy $$handler"; $(BIN)/mypy $$handler || exit 1; done
	$(BIN)/mypy scripts/make_events.py scripts/check_locks.py

events: $(STAMP) ## sample events for every function in events/, signed now (EVENTS_ARGS="--secrets F --ack-key-file K")
	$(BIN)/python scripts/make_events.py $(EVENTS_ARGS)

# Locks (README, "Dependencies and the layer"): uv, pinned, in its own virtualenv under .tools/.
UV_VERSION ?= 0.13.9
UV := .tools/uv/bin/uv
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes $(if $(UPGRADE),--upgrade)
LAMBDA_TARGET := --python-version 3.12 --python-platform aarch64-manylinux2014

$(UV):
	python3 -m venv .tools/uv
	.tools/uv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

lock: $(UV) $(STAMP) ## re-pin dependencies after editing pyproject.toml or the layer's requirements (UPGRADE=1: newest)
	$(UV_COMPILE) pyproject.toml --extra dev --universal --python-version 3.11 -o requirements-dev.lock
	$(UV_COMPILE) $(LAMBDA_TARGET) layers/mentionwatch/requirements.txt -o layers/mentionwatch/requirements.lock
	$(UV_COMPILE) $(LAMBDA_TARGET) --no-deps layers/mentionwatch/requirements-nodeps.txt \
		-o layers/mentionwatch/requirements-nodeps.lock
	$(BIN)/python scripts/check_locks.py

check-locks: $(STAMP) ## the lock files still pin everything pyproject.toml and the layer's requirements ask for
	$(BIN)/python scripts/check_locks.py

check-template: ## sam validate --lint and cfn-lint (tools in their own venv under .tools/)
	scripts/check-template.sh

build: $(CONSOLE_BUILT) ## sam build for arm64 with no Docker
	scripts/check-template.sh --build

deploy: build
	.tools/venv/bin/sam deploy --guided

# BENCH_ARGS="--repeat 1 --parts latency": fewer runs, or only some parts besides the stream runs.
bench: $(STAMP) ## CPU, AWS requests, write units, $ per million, cold imports, latency, replay; the hybrid; a burst
	$(BIN)/python bench/performance_bench.py $(BENCH_ARGS)
	@echo
	$(BIN)/python bench/hybrid_bench.py
	@echo
	$(BIN)/python bench/burst_bench.py

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .ruff_cache .mypy_cache

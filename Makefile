# The two commands that matter: `make up` (the whole platform) and `make test` (every test).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# uv from PATH, else the one pip installs for python3 (`make install` installs it when missing).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
# The console's build tools need the Node.js web/package.json's `engines` names; on a machine whose
# own is older, a fitting one is fetched once from the npm registry and put first on PATH.
NODE_BIN := $(shell python3 -m fraudctl.devtools.node_runtime --bin-dir)
ifneq ($(NODE_BIN),)
export PATH := $(NODE_BIN):$(PATH)
endif

.PHONY: up down status install tools web web-deps proto proto-check lint lint-contract lint-python lint-web lint-deploy test test-python test-web bench bench-access chaos fuzz evaluate pictures clean

up: install web  ## start Kafka, PostgreSQL, the model, the five services and the console (OBSERVE=1: Jaeger, Prometheus; SCORING=N: N scoring instances in one group)
	$(VENV)/bin/fraudctl up$(if $(filter-out 0,$(OBSERVE)), --observe)$(if $(SCORING), --scoring-instances $(SCORING))

down:  ## stop what `make up` started
	$(VENV)/bin/fraudctl down

status:
	$(VENV)/bin/fraudctl status

install:  ## create .venv with the locked dependencies: every service's extra, the model's and the tools'
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.*"
	$(UV) sync --frozen --all-extras --quiet

tools:  ## command-line tools the build uses (buf), from package-lock.json
	npm ci --no-audit --no-fund --silent

web-deps:  ## the console's locked npm packages
	cd web && npm ci --no-audit --no-fund --silent

web: web-deps  ## build the console into web/dist
	cd web && npm run build --silent

proto: install  ## regenerate the Python code for proto/
	$(PY) -m fraudctl.devtools.protogen

proto-check: install
	$(PY) -m fraudctl.devtools.protogen --check

lint: lint-contract lint-python lint-web lint-deploy  ## every static check: contract, Python, console, deployment

lint-contract: install tools proto-check  ## buf STANDARD lint and format check of the contract; generated code current
	$(PY) -m fraudctl.devtools.protogen --deps-only
	npx --no-install buf lint
	npx --no-install buf format --exit-code --diff proto

lint-deploy: install  ## docker-compose.yml loaded as `docker compose config` does; the Helm chart: helm lint, and its manifests against the Kubernetes and custom resources' schemas (kubeconform -strict, schemas in deploy/helm/schemas)
	$(PY) -m fraudctl.devtools.tools install compose-config helm kubeconform >/dev/null
	"$$($(PY) -m fraudctl.devtools.tools path compose-config)" --env-file .env.example docker-compose.yml >/dev/null
	"$$($(PY) -m fraudctl.devtools.tools path helm)" lint --strict deploy/helm/fraudmesh
	set -o pipefail; "$$($(PY) -m fraudctl.devtools.tools path helm)" template fraudmesh deploy/helm/fraudmesh --namespace fraudmesh \
	  | "$$($(PY) -m fraudctl.devtools.tools path kubeconform)" -strict -summary \
	      -schema-location 'deploy/helm/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'

lint-python: install  ## ruff (lint and format), the floors (import-linter), mypy (strict on fraudmesh and fraudmodel)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

lint-web: install web-deps  ## ESLint, tsc --noEmit, and the console's API types current with the edge's OpenAPI document
	cd web && npm run lint:all --silent

test: lint test-web test-python  ## every test: contract, console, services, end to end

test-python: install web
	$(VENV)/bin/pytest -ra

test-web: web-deps
	cd web && npm test --silent

bench: install web  ## load benchmarks of the whole platform (20 minutes on a fast 2-core machine, up to forty on a slow one; never part of `make test`)
	$(PY) -m bench $(BENCH_ARGS)

bench-access: install web  ## what access control costs on the submit path: servers' CPU per transaction with it on and off, pair by pair (about 10 minutes; BENCH_ACCESS_ARGS="...")
	$(PY) -m bench.access_cost $(BENCH_ACCESS_ARGS)

chaos: install web  ## the chaos suite: steady load while each fault strikes in turn (12 to 15 minutes; docs/reliability.md)
	$(PY) -m fraudctl.devtools.tools install toxiproxy-server
	$(PY) -m bench.chaos --output build/chaos/table.md $(CHAOS_ARGS)

fuzz: install web  ## the door fuzzed at length (FUZZ_EXAMPLES per operation, default 1000; `make test` runs 20) on a private platform
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} $(VENV)/bin/pytest -ra --timeout=1800 tests/fuzz tests/integration/ingest_svc/test_ingest_fuzz.py

evaluate: install  ## train on each generator's history, test on both: four cells beside the Handbook baseline (a few minutes; EVALUATE_ARGS="--customers 2000")
	$(VENV)/bin/fraudctl evaluate --across-generators $(EVALUATE_ARGS)

pictures: install web  ## retake the README's console pictures (docs/images) from a real browser on a running platform
	README_PICTURES=1 $(VENV)/bin/pytest -ra tests/console/test_console_traces.py

clean:
	rm -rf build .data test-artifacts

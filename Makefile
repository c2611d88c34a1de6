# The two commands that matter: `make up` (the whole platform) and `make test` (every test).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# uv from PATH, else the one pip installs for python3 (`make install` installs it when missing).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

.PHONY: up down status install tools web proto proto-check lint test test-python test-web bench clean

up: install web  ## start Kafka, PostgreSQL, the model, the five services and the console
	$(VENV)/bin/fraudctl up

down:  ## stop what `make up` started
	$(VENV)/bin/fraudctl down

status:
	$(VENV)/bin/fraudctl status

install:  ## create .venv with the locked dependencies: every service's extra, the model's and the tools'
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.*"
	$(UV) sync --frozen --all-extras --quiet

tools:  ## command-line tools the build uses (buf), from package-lock.json
	npm ci --no-audit --no-fund --silent

web:  ## build the console into web/dist
	@if [ -f web/package.json ]; then cd web && npm ci --no-audit --no-fund --silent && npm run build --silent; fi

proto: install  ## regenerate the Python code for proto/
	$(PY) -m fraudctl.devtools.protogen

proto-check: install
	$(PY) -m fraudctl.devtools.protogen --check

lint: install tools proto-check  ## buf STANDARD lint and format check of the contract
	$(PY) -m fraudctl.devtools.protogen --deps-only
	npx --no-install buf lint
	npx --no-install buf format --exit-code --diff proto

test: lint test-web test-python  ## every test: contract, console, services, end to end

test-python: install web
	$(VENV)/bin/pytest -ra

test-web:
	@if [ -f web/package.json ]; then cd web && npm ci --no-audit --no-fund --silent && npm test --silent; fi

bench: install web  ## load benchmarks of the whole platform (20 minutes on a fast 2-core machine, up to forty on a slow one; never part of `make test`)
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf build .data test-artifacts

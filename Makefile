# mlflow-plugin-harness: the first target sets everything up, the others use it.
#   make test PLUGIN=path-or-requirement [SCENARIOS=a,b] [MLFLOW=2.22.1,3.17.2] [WORKERS=1|N|auto]
#             [CONFIG=file] [REPORT_DIR=reports] [PROFILE=quick|full] [SANDBOX=0]
#             [UPGRADE=2.22.1:3.17.2 [UPGRADE_PLUGIN=older-release]]
#   make check       the harness's own test suite (starts Docker, builds images, installs Chromium)
#   make lint        ruff (lint and format) and mypy --strict; make check runs it beside its set-up
#   make unit        its fast tier: no Docker, no network, nothing slow [PYTEST_ARGS=...]
#   make images      start Docker if needed and prepare the service images
#   make wheel       build dist/*.whl, installable anywhere;  make lock  pin the harness's own venv
#   make bench       timings, medians and ratios [BENCH_REPEAT=3] [BENCH_SECTIONS=run,workers,...]
SHELL := /bin/bash
# Usable from anywhere (`make -f path/to/harness/Makefile test PLUGIN=.` in a plugin's repository):
# the harness's own files are found from here, PLUGIN and REPORT_DIR from the current directory.
HERE := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VENV := $(HERE)/.venv
HARNESS := $(VENV)/bin/mlflow-plugin-harness
REPORT_DIR ?= reports
comma := ,

.PHONY: venv engine browser images test lint check unit bench schema lock wheel clean

venv: $(VENV)/.installed

$(VENV)/.installed: $(HERE)/pyproject.toml $(HERE)/requirements.lock $(HERE)/scripts/bootstrap
	@$(HERE)/scripts/bootstrap

test: venv engine browser
	@$(HARNESS) run "$(PLUGIN)" \
	  $(foreach s,$(subst $(comma), ,$(SCENARIOS)),--scenario $(s)) \
	  $(if $(MLFLOW),--mlflow-version $(MLFLOW)) $(if $(CONFIG),--config $(CONFIG)) \
	  $(if $(WORKERS),--workers $(WORKERS)) $(if $(PROFILE),--profile $(PROFILE)) \
	  $(if $(filter 0,$(SANDBOX)),--no-sandbox) \
	  $(if $(UPGRADE),--upgrade $(UPGRADE)) $(if $(UPGRADE_PLUGIN),--upgrade-plugin "$(UPGRADE_PLUGIN)") \
	  --report-dir $(REPORT_DIR); rc=$$?; \
	  [ $$rc -eq 0 ] || echo "make: mlflow-plugin-harness exited with code $$rc" >&2; exit $$rc

engine:
	@$(HERE)/scripts/ensure-docker || echo "make: no Docker engine; scenarios that need containers will end in an error" >&2

browser:
	@$(HERE)/scripts/ensure-browser || echo "make: no Chromium; UI screenshots will be skipped" >&2

images: venv engine
	@if docker info >/dev/null 2>&1; then $(HARNESS) images build; \
	  else echo "make: no Docker engine; not building service images" >&2; fi

lint: venv
	cd $(HERE) && $(VENV)/bin/ruff check harness tests
	cd $(HERE) && $(VENV)/bin/ruff format --check harness tests
	cd $(HERE) && $(VENV)/bin/mypy

# lint runs beside the set-up (Docker, images, Chromium: mostly waiting on packages), not before it
check: venv
	@$(MAKE) -f $(HERE)/Makefile --no-print-directory lint & lint=$$!; \
	  $(MAKE) -f $(HERE)/Makefile --no-print-directory images browser; rc=$$?; wait $$lint && exit $$rc
	cd $(HERE) && $(VENV)/bin/python -m pytest -n 2 --dist loadgroup --durations=15 $(PYTEST_ARGS)

unit: venv
	cd $(HERE) && $(VENV)/bin/python -m pytest -m "not docker and not network and not slow" -q $(PYTEST_ARGS)

bench: venv images
	cd $(HERE) && $(VENV)/bin/python tests/bench/bench.py

schema: venv
	cd $(HERE) && $(HARNESS) schema > scenarios/scenario.schema.json
	cd $(HERE) && $(VENV)/bin/python -c 'import pathlib, harness.kinds as k; p = pathlib.Path("docs/scenarios.md"); p.write_text(k.with_table(p.read_text()))'

# the harness's own environment, pinned: every package of its runtime, test and lint dependencies
lock: venv
	cd $(HERE) && eval "$$($(VENV)/bin/python -m harness.env.indexes)" && $(VENV)/bin/uv pip compile \
	  pyproject.toml --extra dev --extra test --universal --python-version 3.11 -q -o requirements.lock

# a wheel (and sdist) in dist/ that carries the scenarios, images and scripts: works from anywhere
wheel: venv
	cd $(HERE) && eval "$$($(VENV)/bin/python -m harness.env.indexes)" && $(VENV)/bin/uv build -q --out-dir dist

clean:
	rm -rf $(VENV) $(HERE)/reports $(HERE)/dist

# mlflow-plugin-harness: the first target sets everything up, the others use it.
#   make test PLUGIN=path-or-requirement [SCENARIOS=a,b] [MLFLOW=3.17.2] [CONFIG=file] [REPORT_DIR=reports]
#   make check       the harness's own test suite
#   make bench       environment and run timings
SHELL := /bin/bash
VENV := .venv
HARNESS := $(VENV)/bin/mlflow-plugin-harness
REPORT_DIR ?= reports
comma := ,

.PHONY: venv test check bench schema clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/bootstrap
	@scripts/bootstrap

test: venv
	@$(HARNESS) run "$(PLUGIN)" \
	  $(foreach s,$(subst $(comma), ,$(SCENARIOS)),--scenario $(s)) \
	  $(if $(MLFLOW),--mlflow-version $(MLFLOW)) $(if $(CONFIG),--config $(CONFIG)) \
	  --report-dir $(REPORT_DIR); rc=$$?; \
	  [ $$rc -eq 0 ] || echo "make: mlflow-plugin-harness exited with code $$rc" >&2; exit $$rc

check: venv
	$(VENV)/bin/python -m pytest -n 2 $(PYTEST_ARGS)

bench: venv
	$(VENV)/bin/python tests/bench/bench_env.py

schema: venv
	$(VENV)/bin/python -m harness.scenario

clean:
	rm -rf $(VENV) reports

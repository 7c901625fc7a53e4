# Self-documenting: `make` or `make help` lists the targets. Every target that runs Python
# creates .venv from requirements.txt first when it is missing or older than the pins.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv test report lab lint bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@$(PY) -m analysis.lab
	@touch $(STAMP)

venv: $(STAMP) ## create .venv from requirements.txt (done by every target below when needed)

test: $(STAMP) ## run the test suite
	$(PY) -m pytest

report: $(STAMP) ## regenerate the figure report under figures/ (skips unchanged runs; FORCE=1 reruns all)
	$(PY) -m analysis.report $(if $(FORCE),--force,)

lab: $(STAMP) ## open JupyterLab on the repository with notebooks/ open (saves notebooks without outputs; KEEP_OUTPUTS=1 keeps them)
	$(VENV)/bin/jupyter lab --config=.jupyter/jupyter_server_config.py --ServerApp.root_dir=. \
		$(if $(filter 0,$(shell id -u)),--allow-root,) \
		--LabApp.default_url=/lab/tree/notebooks

lint: $(STAMP) ## lint the code with ruff
	$(VENV)/bin/ruff check analysis tests scripts benchmarks

bench: $(STAMP) ## run the benchmark script (prints ratios; a few minutes)
	$(PY) benchmarks/run.py

clean: ## remove the venv and caches (not the committed report)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

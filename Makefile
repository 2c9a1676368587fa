# Two commands on a fresh machine: `make lab` (open the course) and `make test` (run every test).
# Both create .venv and install the kit on first use; later runs skip the install unless
# pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tpmkit-installed
# nbgrader calls the `alembic` executable from PATH, so the environment's bin/ goes first.
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH"
# JupyterLab refuses to start as root without this; containers and CI machines often run as root.
ROOT_OK := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

# The kit's Jupyter server settings (tpmkit.lab_save: saved lessons reopen without widget errors), in the
# environment's own config folder, so that any `jupyter lab` or `jupyter notebook` from it uses them.
LAB_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.d/tpmkit.json

.PHONY: lab test test-fast release bench site system-packages lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "TPM Kit needs Python 3.10 or newer; set PYTHON=/path/to/python3.11 and run make again.")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing TPM Kit and its dependencies into $(VENV) (first run only)..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(LAB_CONFIG): jupyter-config/jupyter_server_config.d/tpmkit.json $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

# Programs from the system's package manager (the grading sandbox); cheap to re-run: it only checks.
system-packages:
	@./scripts/install-system-packages.sh

lab: $(STAMP) $(LAB_CONFIG)
	$(RUN) $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/course/00-start-here.ipynb $(ROOT_OK) $(LAB_ARGS)

# Two or more workers (pytest-xdist): the suite grades every exercise twice, and kernels are single-threaded.
test: $(STAMP) $(LAB_CONFIG) system-packages lint
	$(RUN) $(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# The grading core's unit tests alone (tests/core): seconds, with no sandbox, browser, database or kernel.
test-fast: $(STAMP)
	$(RUN) $(BIN)/python -m pytest -q -p no:randomly tests/core $(PYTEST_ARGS)

# Speed as ratios against stock nbgrader measured in the same run; never asserted in tests.
bench: $(STAMP) system-packages
	$(RUN) $(BIN)/python -m bench.grading $(BENCH_ARGS)
	$(RUN) $(BIN)/python -m bench.sql

# The course as a static website in build/site/ (front page build/site/index.html): every lesson run, offline.
site: $(STAMP)
	$(RUN) $(BIN)/tpm-grade publish site build/site

release: $(STAMP)
	$(RUN) $(BIN)/tpm-grade release

# ruff (style, complexity, security, blind excepts) on everything; mypy on the grader.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .ruff_cache

# Two commands on a fresh machine: `make demo` (the offline demo) and `make test` (every test).
# Each sets up .venv first if it is missing or older than the package metadata, and is quick
# when it is already set up.
#
#   make demo | make test
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cpu    # a CPU-only torch on Linux
#   make test PYTEST_ARGS='-m "not slow"'                         # the fast subset
VENV ?= .venv
PYTHON ?= python3
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
PYTEST_ARGS ?=
STAMP := $(VENV)/.dlfa-installed

.PHONY: demo test setup

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) "$(TORCH)" -e ".[project,test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/python -m spacy project run demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

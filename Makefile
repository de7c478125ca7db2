# The two commands a newcomer needs (see README.md):
#   make demo   sets up .venv and runs the main job on the bundled data
#   make test   sets up .venv, lints and runs the test suite (all but the
#               full demo's 12-minute run; make test-all, which CI runs, adds it)
PYTHON := .venv/bin/python
# Both cores (pytest-xdist); a worker that finishes early takes the other's
# waiting tests. The tests marked serial run after, alone (docs/testing.md).
PARALLEL := -n 2 --dist worksteal

.PHONY: venv lint format test test-all demo

# Python sources the linters read (settings: setup.cfg, as MMPose's)
LINTED := fashionai_core fashionai_deploy fashionai_dataset fashionai_patches fashionai_tools projects configs tools tests

# Creates or refreshes .venv/ when requirements.txt or pyproject.toml changed.
venv:
	@tools/setup_venv.sh

lint: venv
	$(PYTHON) -m flake8 $(LINTED)
	$(PYTHON) -m isort --check-only --diff $(LINTED)
	$(PYTHON) -m yapf --diff --recursive --parallel $(LINTED)

# Rewrites the sources in place the way `make lint` wants them.
format: venv
	$(PYTHON) -m isort $(LINTED)
	$(PYTHON) -m yapf --in-place --recursive --parallel $(LINTED)

test: lint
	$(PYTHON) -m pytest tests $(PARALLEL) -m "not serial"
	$(PYTHON) -m pytest tests -m serial

# The demo's run goes after, alone: beside the other tests its two torch
# threads fight theirs for the two cores and it takes twice as long.
test-all: test
	$(PYTHON) -m pytest tests -m demo --with-demo

demo: venv
	$(PYTHON) tools/demo.py

# The two commands a newcomer needs (see README.md):
#   make demo   sets up .venv and runs the main job on the bundled data
#   make test   sets up .venv, lints and runs the test suite
PYTHON := .venv/bin/python

.PHONY: venv lint format test demo

# Python sources the linters read (settings: setup.cfg, as MMPose's)
LINTED := fashionai_core fashionai_deploy fashionai_dataset projects configs tools tests

# Creates or refreshes .venv/ when requirements.txt or pyproject.toml changed.
venv:
	@tools/setup_venv.sh

lint: venv
	$(PYTHON) -m flake8 $(LINTED)
	$(PYTHON) -m isort --check-only --diff $(LINTED)
	$(PYTHON) -m yapf --diff --recursive $(LINTED)

# Rewrites the sources in place the way `make lint` wants them.
format: venv
	$(PYTHON) -m isort $(LINTED)
	$(PYTHON) -m yapf --in-place --recursive $(LINTED)

test: lint
	$(PYTHON) -m pytest tests

demo: venv
	$(PYTHON) tools/demo.py

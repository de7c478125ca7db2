# The two commands a newcomer needs (see README.md):
#   make demo   sets up .venv and runs the main job on the bundled data
#   make test   sets up .venv and runs the test suite
PYTHON := .venv/bin/python

.PHONY: venv test demo

# Creates or refreshes .venv/ when requirements.txt or pyproject.toml changed.
venv:
	@tools/setup_venv.sh

test: venv
	$(PYTHON) -m pytest tests

demo: venv
	$(PYTHON) tools/demo.py

# The two commands of the README: `make demo` and `make test`.
# Each first sets up whatever is missing (see tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
export MMKD_VENV := $(abspath $(VENV))

.PHONY: setup demo test

setup:
	@bash tools/setup_env.sh

demo: setup
	$(PY) demo/digits_demo.py

test: setup
	$(PY) -m pytest tests -n 2 --dist loadfile -q --durations=15

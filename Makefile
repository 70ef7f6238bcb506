# The two commands of the README: `make demo` and `make test`.
# Each first sets up whatever is missing (see tools/setup_env.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
export MMKD_VENV := $(abspath $(VENV))

.PHONY: setup demo test test-numeric-other-kernels lint

setup:
	@bash tools/setup_env.sh

demo: setup
	$(PY) demo/digits_demo.py

test: setup
	$(PY) -m pytest tests -n 2 --dist loadfile -q --durations=15

# the `numeric` tests again under the other kernel set (AVX2 where torch
# picked AVX512, the portable kernels otherwise) and one thread (.ci/run)
test-numeric-other-kernels: setup
	ATEN_CPU_CAPABILITY=$$($(PY) tools/misc/other_cpu_capability.py) OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(PY) -m pytest tests -m numeric -n 2 --dist loadfile -q --durations=10 -p no:cacheprovider

# the linters CI runs (configured in setup.cfg)
LINTED := mmkd tools tests configs demo examples setup.py _mmkd_config_scope.py
lint: setup
	$(PY) -m flake8 $(LINTED)
	$(PY) -m isort --check-only --diff $(LINTED)
	$(PY) -m yapf --diff --recursive --parallel $(LINTED)

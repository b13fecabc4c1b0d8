# dl_notebook — common tasks.  `make help` lists them.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
comma := ,
# One stamp per set of extras: `make demo` installs only the dashboards' extra (voila); `make
# test` (or `make bench`, `make lint`) afterwards still installs the test and bench extras.
EXTRAS ?= test,bench
DEMO_EXTRAS := voila
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
DEMO_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(DEMO_EXTRAS))
PORT ?= 8866
DASHBOARD := notebooks/dashboards/train_inspect.ipynb
# Voila's settings for `make demo` and `make workshop` (idle kernels of closed pages are
# culled; tests/test_serving.py reads the same file): jupyter_config/voila.json.
VOILA := JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter_config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	$(VENV)/bin/voila --no-browser --port=$(PORT) --Voila.ip=127.0.0.1 --Voila.port_retries=0
PYTEST_ARGS ?=
# Test files run in parallel worker processes, each file whole in one worker. Three on two
# cores: much of the suite waits on kernels, servers and browsers (measured: 932 s of pytest
# with three workers against 1,016 s with two, on the same 2-core machine).
PYTEST_WORKERS ?= 3

# Lines of pip output that carry no information (unused local indexes, satisfied requirements).
PIP_NOISE := Location 'file:.*' is ignored|^Requirement already satisfied
QUIET_PIP := { grep -Ev "$(PIP_NOISE)" || true; }

.PHONY: help venv .venv test demo workshop bench lint clean distclean

help:
	@echo "make demo   create .venv, install, prepare the data, start the Voila 'Train and inspect' dashboard on http://127.0.0.1:$(PORT)/"
	@echo "make workshop  the same for the Voila workshop notebook (notebooks/workshop.ipynb)"
	@echo "make test   create .venv, install (plus Debian chromium if missing), run the whole test suite"
	@echo "make bench  run every benchmarks/bench_*.py"
	@echo "make lint   ruff check"
	@echo "make clean  remove caches and build outputs (distclean also removes .venv)"

venv .venv: $(STAMP)

# $(VENV)/.installed-a-b: dl_notebook[a,b] installed (editable) into $(VENV).
$(VENV)/.installed-%: pyproject.toml
	@if [ ! -x $(PY) ]; then \
		echo "Creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian install python3-venv (apt-get install -y python3-venv)." >&2; exit 1; }; \
		echo "Upgrading pip in $(VENV)"; \
		$(PY) -m pip install --progress-bar off --upgrade pip 2>&1 | $(QUIET_PIP); \
	fi
	@echo "Installing dl_notebook[$(subst -,$(comma),$*)] into $(VENV) (a first install takes minutes: TensorFlow alone is 1.8 GB installed)"
	@$(PY) -m pip install --progress-bar off -e ".[$(subst -,$(comma),$*)]" 2>&1 | $(QUIET_PIP)
	@touch $@

test: $(STAMP)
	scripts/ensure-debian-package.sh /usr/bin/chromium chromium
	scripts/build-labextension.sh
	scripts/check-frontend.sh
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

demo: $(DEMO_STAMP)
	PYTHON=$(PY) scripts/prepare-demo.sh
	@echo
	@echo "  dl_notebook 'Train and inspect' dashboard:  http://127.0.0.1:$(PORT)/"
	@echo "  (datasets are read from $(CURDIR)/data; the kernel of a closed page stops after 3 idle"
	@echo "  minutes; Ctrl-C stops the server)"
	@echo
	DL_NOTEBOOK_DATA_ROOT="$(CURDIR)/data" $(VOILA) $(DASHBOARD)

workshop: $(DEMO_STAMP)
	PYTHON=$(PY) scripts/prepare-demo.sh
	@echo
	@echo "  dl_notebook workshop dashboard:  http://127.0.0.1:$(PORT)/"
	@echo "  (the kernel of a closed page stops after 3 idle minutes; Ctrl-C stops the server)"
	@echo
	$(VOILA) notebooks/workshop.ipynb

bench: $(STAMP)
	@scripts/ensure-debian-package.sh /usr/bin/dot graphviz || echo "bench: no graphviz; plot_model comparisons are skipped"
	@shopt -s nullglob; \
	benches=(benchmarks/bench_*.py); \
	if [ $${#benches[@]} -eq 0 ]; then echo "No benchmarks/bench_*.py found."; exit 0; fi; \
	failed=(); \
	for bench in "$${benches[@]}"; do \
		echo "== $$bench"; \
		$(PY) "$$bench" || failed+=("$$bench"); \
	done; \
	if [ $${#failed[@]} -ne 0 ]; then echo "Failed: $${failed[*]}" >&2; exit 1; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check dl_notebook tests benchmarks

clean:
	rm -rf build dist .pytest_cache .ruff_cache .hypothesis benchmarks/results
	find . -path ./$(VENV) -prune -o -path ./labextension/node_modules -prune -o \
		\( -name __pycache__ -o -name .ipynb_checkpoints -o -name '*.egg-info' \) -type d -print0 \
		| xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) labextension/node_modules

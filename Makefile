# xinqing — `make run` serves the service on :8000, `make test` runs the whole suite.
# Each target sets up the virtual environment in .venv on first use: `make run` installs only
# what running needs, `make test` adds the test tools.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp
PORT ?= 8000

.PHONY: run test bench bench-scale clean venv widget screenshots

venv: $(TEST_STAMP)

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

# `xinqing serve` checks the port and the settings before anything else is printed.
run: $(RUN_STAMP)
	$(VENV)/bin/xinqing serve --bind 127.0.0.1:$(PORT)

test: $(TEST_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Dev only: minify the widget's sources (service/web/src/widget) into what ships
# (service/web/static/widget, checked in). Needs node and npm.
widget:
	cd tools/widget && npm ci --no-audit --no-fund --silent
	$(PYTHON) tools/build_widget.py

# PNGs of /demo (light and dark, desktop and phone), the ranking page and every dashboard view
# in docs/screenshots/ (a plain test run draws them into a temporary folder instead).
screenshots: $(TEST_STAMP)
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_screenshots.py \
		tests/browser/test_dashboard.py -k "screenshot or axe"

bench: $(TEST_STAMP)
	$(PY) bench/reaction_put.py

# The scale figures in one run (docs/scaling.md): Redis CPU per ranked vote and view at 10k and
# 1M articles and bytes per standing vote (bench/ranking_cost.py), then the reaction PUT and
# the public counts GET against their floors (bench/pipeline.py; needs wrk). Run it on a quiet
# machine; it takes about 15 minutes.
bench-scale: $(TEST_STAMP)
	$(PY) bench/ranking_cost.py --baseline a436230
	$(PY) bench/pipeline.py --rounds 5

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

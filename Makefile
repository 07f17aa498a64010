# xinqing — `make run` serves the service on :8000, `make test` runs the whole suite.
# Each target sets up its own virtual environment in .venv on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run test bench clean venv widget screenshots

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) 'service:create_app()'

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Dev only: minify the widget's sources (service/web/src/widget) into what ships
# (service/web/static/widget, checked in). Needs node and npm.
widget:
	cd tools/widget && npm ci --no-audit --no-fund --silent
	$(PYTHON) tools/build_widget.py

# PNGs of /demo (light and dark, desktop and phone), the ranking page and every dashboard view
# in docs/screenshots/ (a plain test run draws them into a temporary folder instead).
screenshots: $(STAMP)
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_screenshots.py \
		tests/browser/test_dashboard.py -k "screenshot or axe"

bench: $(STAMP)
	$(PY) bench/reaction_put.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# keplibot: every target creates the virtual environment if needed and installs into it.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYBABEL := $(BIN)/pybabel

.PHONY: help install demo run test lint typecheck unit i18n i18n-compile i18n-check bench clean screenshots

help:
	@echo "make demo     - run the bot offline against the local Bot API emulator (http://127.0.0.1:8080)"
	@echo "make test     - lint, type-check and run the whole test suite"
	@echo "make run      - run the bot against Telegram (needs TELEGRAM_TOKEN)"
	@echo "make i18n     - extract messages and update the el/en catalogs"
	@echo "make bench    - run the benchmarks in bench/"
	@echo "make screenshots - retake the README's screenshots of the demo page (docs/demo-*.png)"

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) i18n-compile

i18n-compile: $(STAMP)
	$(PYBABEL) -q compile -d locales -D messages

i18n: $(STAMP)
	$(BIN)/python tools/i18n.py update

i18n-check: $(STAMP)
	$(BIN)/python tools/i18n.py check

demo: install
	$(BIN)/keplibot demo

run: install
	$(BIN)/keplibot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers scoring teams tests bench tools

unit: install
	$(BIN)/python -m pytest tests/unit -q

test: install lint typecheck
	bash tools/ensure-chromium.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The browser test of the demo tour takes the README's screenshots; here it keeps them in docs/.
screenshots: install
	bash tools/ensure-chromium.sh
	KEPLIBOT_SCREENSHOTS=docs $(BIN)/python -m pytest tests/e2e/test_demo_tour.py -q -p no:cacheprovider

bench: install
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
	find locales -name '*.mo' -delete

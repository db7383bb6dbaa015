# The two commands a new user needs: `make run` and `make test`.
# Both create the project's virtual environment (.venv) when it is missing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per install: `make run` needs the runtime alone, `make test` the dev extra too.
RUNTIME := $(VENV)/.installed-runtime
STAMP   := $(VENV)/.installed-dev
MUTATE  := $(VENV)/.installed-mutate
# Browser tests drive Debian's chromium headless; installed once when missing.
CHROMIUM := /usr/bin/chromium /usr/bin/chromedriver
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test test-server lint format clean bench demo fuzz mutate

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP) $(RUNTIME)

$(MUTATE): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,mutate]'
	@touch $(MUTATE) $(STAMP) $(RUNTIME)

$(CHROMIUM):
	@echo "Installing Debian's chromium and its driver for the browser tests (once)..."
	$(SUDO) apt-get install -y -q chromium chromium-driver >/dev/null || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver >/dev/null; }

run: $(RUNTIME)
	$(BIN)/spotler-sim serve

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

# The reference connector syncing a small webshop to a simulator having a bad day.
demo: $(RUNTIME)
	$(BIN)/spotler-connector demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Longer runs than make test: every hypothesis property with five times its examples (2,000
# where a test sets none) and the contract tests with 300 fresh examples per operation.
# The contract tests run signed against a served two-worker simulator, asking for JSON, with
# at least CONTRACT_MIN_CASES requests in all; their table (requests and statuses per operation)
# is printed at the end.
fuzz: $(STAMP) $(CHROMIUM)
	@mkdir -p build
	HYPOTHESIS_PROFILE=fuzz CONTRACT_EXAMPLES=480 CONTRACT_MIN_CASES=30000 \
		CONTRACT_REPORT=build/fuzz-contract.txt $(BIN)/python -m pytest -p no:cacheprovider \
		tests/property tests/client/test_poller.py tests/client/test_retry_policy.py \
		tests/contract/test_schemathesis.py -q; status=$$?; \
		cat build/fuzz-contract.txt 2>/dev/null; exit $$status

# The cost of one call in process (CPU, SQL statements, write transactions), then throughput by
# wrk against in-run baselines (Flask hello, raw WSGI, WireMock where Java is), loading at
# BENCH_SIZES contacts through the API (the million takes minutes) and at BENCH_FILL_SIZES
# written straight into the file, then the page benchmarks.
BENCH_SIZES ?= 1000,100000
BENCH_FILL_SIZES ?= 1000,1000000
WIREMOCK    := bench/.cache/node_modules/wiremock

/usr/bin/wrk:
	@echo "Installing Debian's wrk for the throughput benchmark (once)..."
	$(SUDO) apt-get install -y -q wrk >/dev/null || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q wrk >/dev/null; }

$(WIREMOCK):
	@if command -v java >/dev/null && command -v npm >/dev/null; then \
	  echo "Installing the WireMock jar (npm package wiremock) into bench/.cache (once)..."; \
	  npm install --silent --prefix bench/.cache wiremock; \
	else echo "No Java or npm here: the throughput table runs without WireMock"; fi

# The in-process API, pipeline and admin suites again, against `spotler-sim serve --workers 2`
# over real HTTP (moto's server mode): the same tests, one switch (SPOTLER_SIM_SERVER=1 works too).
test-server: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider --server-mode \
		tests/api tests/http tests/admin tests/test_sim_fixture.py -q

bench: $(STAMP) /usr/bin/wrk $(WIREMOCK)
	$(BIN)/python bench/call_cost.py
	$(BIN)/python bench/throughput.py
	BENCH_SIZES=$(BENCH_SIZES) BENCH_FILL_SIZES=$(BENCH_FILL_SIZES) $(BIN)/python bench/loading.py
	$(BIN)/python bench/updates_page.py
	$(BIN)/python bench/report_pages.py

# Mutation testing (mutmut) of the modules that carry the promises, against their fast tests:
# the score per module and every surviving mutant. Not part of make test; takes a while.
# MODULES=dedup,lag picks some (file stems), MUTATE_JOBS sets how many mutants run at once.
mutate: $(MUTATE)
	$(BIN)/python tools/mutate.py

# Whistle — two commands do all the set-up on a fresh machine:
#   make run    create the virtualenv, install, start Temporal (SQLite file under data/) and the worker
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test quick install lint clean histories bench fuzz fuzz-api console chaos screenshots system-run system-test

# Debian's packages (Node.js and npm; for the tests also PostgreSQL, Redis, Chromium, a Chinese font), installed
# when missing and running as root, otherwise one line says what to install
system-run:
	@scripts/system-deps run
system-test:
	@scripts/system-deps test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# the web console (console/): built into console/dist, which the API serves under /console; rebuilt when a
# source is newer than the build, its packages installed from the lock file when that changes
CONSOLE_SRC := $(shell find console/src console/public -type f 2>/dev/null) console/index.html \
	console/vite.config.ts console/tsconfig.json console/tsconfig.app.json
console/node_modules/.installed: console/package.json console/package-lock.json | system-run
	cd console && npm ci --no-audit --no-fund
	touch $@

console/dist/index.html: console/node_modules/.installed $(CONSOLE_SRC)
	cd console && npm run build

console: console/dist/index.html

run: system-run $(STAMP) console
	$(BIN)/whistle run

# everything CI runs: the linters, the console's type check and unit tests, the whole pytest suite
test: system-test $(STAMP) console lint
	npm --prefix console run test:unit
	$(BIN)/python -m pytest --durations=25

# the inner loop: the pure domain and the API on the in-process stack (no browser, no dev server), in about a minute
quick: $(STAMP)
	$(BIN)/python -m pytest -q -x -p no:cacheprovider tests/domain tests/api -m 'not e2e' \
		--deselect tests/domain/test_model.py

lint: $(STAMP) console/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy domain core store activities workflows audit api whistle worker.py
	npm --prefix console run typecheck

# the model-based test of the step table, longer and with a random seed (make test runs a fixed-seed form)
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	WHISTLE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/domain/test_model.py -s -p no:cacheprovider

# schemathesis against the live stack's OpenAPI, every operation as every role, many requests each (make test
# runs a short form); the counts are printed
FUZZ_API_EXAMPLES ?= 50
fuzz-api: $(STAMP)
	WHISTLE_FUZZ_API_EXAMPLES=$(FUZZ_API_EXAMPLES) $(BIN)/python -m pytest tests/e2e/test_fuzz_api.py -s -p no:cacheprovider

# crashes and outages on loopback (tests/chaos): the worker killed, Temporal restarted, PostgreSQL stopped, with
# more issues and kills than `make test`'s short form; figures printed (docs/RELIABILITY.md records a run)
chaos: $(STAMP)
	WHISTLE_CHAOS=full $(BIN)/python -m pytest tests/chaos -p no:cacheprovider

# the browser test again, keeping a screenshot of every console page in both languages (data/screenshots/console)
screenshots: system-test $(STAMP) console
	WHISTLE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/console/test_browser.py -p no:cacheprovider

histories: $(STAMP)
	$(BIN)/python -m tests.histories.record

clean:
	rm -rf $(VENV) data .pytest_cache console/dist console/node_modules

# the benchmarks (not part of `make test`): B1 throughput against the bare engine, B2 latency, …;
# figures printed and appended to docs/BENCHMARKS.md. `make bench BENCH_ARGS=--smoke` for the short form
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

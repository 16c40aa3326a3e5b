# Whistle — two commands do all the set-up on a fresh machine:
#   make run    create the virtualenv, install, start Temporal (SQLite file under data/) and the worker
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint clean histories bench fuzz console chaos

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
console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

console/dist/index.html: console/node_modules/.installed $(CONSOLE_SRC)
	cd console && npm run build

console: console/dist/index.html

run: $(STAMP) console
	$(BIN)/whistle run

test: $(STAMP) console
	npm --prefix console run typecheck
	npm --prefix console run test:unit
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff mypy types-shapely
	$(BIN)/ruff check .
	$(BIN)/mypy domain core store activities workflows audit api whistle worker.py

# the model-based test of the step table, longer and with a random seed (make test runs a fixed-seed form)
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	WHISTLE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/domain/test_model.py -s -p no:cacheprovider

# crashes and outages on loopback (tests/chaos): the worker killed, Temporal restarted, PostgreSQL stopped, with
# more issues and kills than `make test`'s short form; figures printed (docs/RELIABILITY.md records a run)
chaos: $(STAMP)
	WHISTLE_CHAOS=full $(BIN)/python -m pytest tests/chaos -p no:cacheprovider

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

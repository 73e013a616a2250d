# The two commands a newcomer types: `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install up test lint demo bench bench-compare bench-import bench-search bench-analytics faults fuzz clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

## Start the whole system on the embedded default (Ctrl-C stops it); `make up REPLICAS=2`
## runs two processes of loyalty and of messaging (docs/operations.md, "Replicas").
REPLICAS ?=
up: install
	$(BIN)/huiyuan up $(if $(REPLICAS),--replicas $(REPLICAS))

## Lint, type-check, check the import contracts and run the whole test suite, on
## TEST_WORKERS processes, each with a PostgreSQL and a broker of its own: the suite mostly
## waits on them, so one process keeps 2 cores less than half busy.
TEST_WORKERS ?= 3
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services huiyuan bench tests
	$(BIN)/lint-imports --no-logo

## Load the demo program into a running stack (run `make up` in another terminal first).
demo: install
	$(BIN)/huiyuan demo

## Benchmark the purchase pipeline on a stack of its own (docs/performance.md).
## e.g. `make bench RATE=500 DURATION=60`, `make bench RAMP=200:1400:200`, `make bench READS=5000`
RATE ?= 200
DURATION ?= 60
MEMBERS ?= 10000
RAMP ?=
READS ?= 0
BATCH ?= 0
WORKERS ?= 1
PGBENCH_SECONDS ?= 30
BENCH_ARGS ?=
bench: install
	BENCH_INVOKED_AS="make bench $(strip $(MAKEOVERRIDES))" $(BIN)/python -m bench \
		--rate $(RATE) --duration $(DURATION) --members $(MEMBERS) --reads $(READS) \
		--batch $(BATCH) --workers $(WORKERS) --pgbench-seconds $(PGBENCH_SECONDS) \
		$(if $(RAMP),--ramp $(RAMP)) $(BENCH_ARGS)

## Runs of `make bench` side by side: saturation by population, its run-to-run spread and
## issue 19's data-size verdict. e.g. `make bench-compare RESULTS="bench/results/a.json …"`
RESULTS ?=
bench-compare: install
	$(BIN)/python -m bench.compare $(RESULTS)

## Time a CSV import of IMPORT_MEMBERS members into a stack of its own, and the relay's
## publishing of their registrations (docs/performance.md "Member import").
IMPORT_MEMBERS ?= 100000
bench-import: install
	$(BIN)/python -m bench.imports --members $(IMPORT_MEMBERS) $(BENCH_ARGS)

## Member search latency at N members, on a PostgreSQL of its own (docs/performance.md).
## e.g. `make bench-search SEARCH_MEMBERS=100000 SEARCH_RUNS=200`
SEARCH_MEMBERS ?= 1000000
SEARCH_RUNS ?= 300
bench-search: install
	$(BIN)/python -m bench.search --members $(SEARCH_MEMBERS) --runs $(SEARCH_RUNS)

## Analytics' reads (KPIs, cohorts, RFM, quadrants, 80/20, sleeping, churn, member pages)
## over generated read models, cold and warm, on a PostgreSQL of its own (docs/performance.md
## "Analytics at scale"). ANALYTICS_DATA=dir keeps the generated database between runs.
ANALYTICS_MEMBERS ?= 1000000
ANALYTICS_PURCHASES ?= 10000000
ANALYTICS_RUNS ?= 5
ANALYTICS_DATA ?=
bench-analytics: install
	$(BIN)/python -m bench.analytics --members $(ANALYTICS_MEMBERS) \
		--purchases $(ANALYTICS_PURCHASES) --runs $(ANALYTICS_RUNS) \
		$(if $(ANALYTICS_DATA),--data-dir $(ANALYTICS_DATA)) $(BENCH_ARGS)

## The long fault-injection run (docs/reliability.md); prints its seed, replay with SEED=.
## `make faults SPACED=20 FAULTS=16 PURCHASES=5000` measures recovery one fault at a time;
## `make faults REPLICAS=2` runs two processes of loyalty and messaging and kills those too.
SEED ?=
FAULTS ?= 100
PURCHASES ?= 50000
FAULT_RATE ?= 45
SPACED ?=
faults: install
	$(BIN)/python -m tests.faults --faults $(FAULTS) --purchases $(PURCHASES) \
		--rate $(FAULT_RATE) $(if $(SEED),--seed $(SEED)) $(if $(SPACED),--spaced $(SPACED)) \
		$(if $(REPLICAS),--replicas $(REPLICAS))

## The long schema fuzz over all five services' OpenAPI (tests/fuzz); the bar is no server
## error and no undocumented status or content type. Prints a summary; each distinct failure
## goes to .huiyuan/fuzz/findings.md. FUZZ_EXAMPLES is cases per operation and fuzzing mode.
## Its PostgreSQL and broker live under .huiyuan/fuzz/: pytest prunes all but its three
## newest temporary directories, which would delete them under a long run if other test
## sessions start meanwhile.
FUZZ_EXAMPLES ?= 6500
FUZZ_MIN_CASES ?= 100000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_MIN_CASES=$(FUZZ_MIN_CASES) \
		FUZZ_COMMAND="make fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES)" \
		$(BIN)/pytest -m fuzz tests/fuzz -p no:cacheprovider --timeout 0 -q \
		--basetemp .huiyuan/fuzz/tmp

clean:
	rm -rf $(VENV) .huiyuan .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# patron: the two commands a newcomer needs are `make run` and `make test`.
# Everything else is reachable from here too; see README.md.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all setup configure build run test test-fast test-asan bench clean format

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: setup $(BUILD)/build.ninja

# Leaves the binary at build/patron.
build: configure
	cmake --build $(BUILD) -j $(JOBS)

# A fresh demo database ($(BUILD)/demo.db: members and a year of wallet
# activity), then `patron serve` on it at 127.0.0.1:8080 (PATRON_LISTEN=HOST:PORT
# to change); prints the API URL, an admin key and curl examples. Ctrl-C stops it.
run: build
	@bash scripts/demo.sh $(BUILD)/patron $(BUILD)/demo.db

# Every test: unit, property, store conformance, app, CLI and HTTP on the
# release build, then the core suites again under ASan+UBSan: core, ledger and
# its property test, rules, config, checkout, store conformance (memory and
# SQLite), app, scenarios, analytics, importers and webhook signing/sending.
# The ASan build compiles only those suites' targets (not the HTTP server, the
# CLI or the benchmarks), which keeps `make test` well under 30 minutes on a
# new 2-core machine.
test: build test-fast test-asan

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DPATRON_SANITIZE=ON -DPATRON_BENCH=OFF

ASAN_TARGETS := core_tests ledger_tests ledger_property_test rules_tests config_tests \
                checkout_tests codec_tests store_tests app_tests scenario_tests \
                analytics_tests importer_tests webhooks_signature_tests webhooks_sender_tests

test-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(ASAN_TARGETS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|property|store|app'

bench: build
	@bash scripts/bench.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

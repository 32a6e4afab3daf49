# iot-hub: a thin wrapper over CMake and CTest. Every target installs the Debian packages
# it needs first (scripts/install-deps.sh skips what is already there).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CTEST_JOBS ?= $(JOBS)

.PHONY: all deps configure build run test test-asan fuzz bench bench-cluster demo format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# The hub on its embedded defaults: gRPC 127.0.0.1:9000, HTTP 127.0.0.1:8080, data in ./data.
run: build
	@bash scripts/run.sh $(BUILD_DIR)

# Every test: unit, integration (the real binary over gRPC and HTTP), end-to-end with a
# real Mosquitto broker, the deployment checks, and a short run of every fuzz target.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SMOKE_SECONDS ?= 10
# The fuzz run goes first so that ctest's summary is the last word.
test: build
	@FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_SEED=1 JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_BUILD_DIR)
	@ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 300 -j$(CTEST_JOBS)

# Every libFuzzer target (fuzz/, clang, own tree) for FUZZ_SECONDS (default 60) each,
# from its seed corpus; crashes land in $(FUZZ_BUILD_DIR)/artifacts/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_BUILD_DIR)

# The unit and integration tests built with ASan + UBSan (own tree, GCC), any report fatal.
# The broker smoke test is left out: it loads the plugin into a Mosquitto without ASan.
ASAN_BUILD_DIR ?= build-asan
SANITIZER_DIR := $(CURDIR)/scripts/sanitizers
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DIOTHUB_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j$(JOBS) --target unit_and_integration_tests
	@ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1 \
	  LSAN_OPTIONS=suppressions=$(SANITIZER_DIR)/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(SANITIZER_DIR)/ubsan.supp \
	  ctest --test-dir $(ASAN_BUILD_DIR) -L 'unit|integration' -E '^BrokerSmokeTest' \
	    --output-on-failure --timeout 600 -j$(CTEST_JOBS)

# Hook-call load against the hub and a do-nothing baseline in one run; prints the ratio.
# BENCH_MODE=cluster (or bench-cluster) adds two hubs on one PostgreSQL + Redis.
bench: build
	@BUILD_DIR=$(BUILD_DIR) bash bench/run.sh

bench-cluster: build
	@BENCH_MODE=cluster BUILD_DIR=$(BUILD_DIR) bash bench/run.sh

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)

# iot-hub: a thin wrapper over CMake and CTest. Every target installs the Debian packages
# it needs first (scripts/install-deps.sh skips what is already there).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CTEST_JOBS ?= $(JOBS)

.PHONY: all deps configure build run test bench demo format clean

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
# real Mosquitto broker, and the deployment checks.
test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 300 -j$(CTEST_JOBS)

# Hook-call load against the hub and a do-nothing baseline in one run; prints the ratio.
bench: build
	@BUILD_DIR=$(BUILD_DIR) bash bench/run.sh

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)

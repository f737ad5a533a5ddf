# The two commands of the README. Each installs what is missing (Debian 12), configures and builds.
#   make run    start Tidings: the desktop console where a display exists, otherwise `tidings serve`
#   make test   run the whole test suite
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
GUI ?= ON
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: run test build deps test-deps configure format clean

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh build test

configure:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTIDINGS_GUI=$(GUI) >/dev/null

build: deps configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@$(BUILD_DIR)/app/tidings $(ARGS)

test: test-deps configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j 2

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	@rm -rf $(BUILD_DIR)

# The two commands of the README. Each installs what is missing (Debian 12), configures and builds.
#   make run    start Tidings: the desktop console where a display exists, otherwise `tidings serve`
#   make test   run the whole test suite
# And for reliability work (docs/reliability.md):
#   make test-asan              the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan)
#   make fuzz FUZZ_SECONDS=60   each libFuzzer target in tests/fuzz for FUZZ_SECONDS (build-fuzz, clang)
#   make soak SOAK_ARGS=...     serve under a constant stream with a short retention: database and RSS over time
# And for performance work (docs/performance.md):
#   make bench BENCH_ARGS=...   every figure against its peer in the same run; prints a markdown table
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
GUI ?= ON
JOBS ?= $(shell nproc)
ARGS ?=
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= http_parser http_response envelope filter intake_formats
# Sanitizer builds keep Q_ASSERT and the bounds checks in Qt's inline headers on (a Debug configuration),
# at -O1 so the suite still runs at a reasonable speed.
SANITIZER_CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DTIDINGS_GUI=OFF

.PHONY: run test build deps test-deps configure format clean test-asan fuzz fuzz-build soak bench

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

# Every test of `make test`, built with gcc -fsanitize=address,undefined. Sanitizer reports of every process,
# the spawned `tidings` binaries included, go to $(ASAN_BUILD_DIR)/sanitizer-logs; any report fails the run.
test-asan:
	@scripts/install-deps.sh build test asan
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja $(SANITIZER_CMAKE_FLAGS) -DTIDINGS_SANITIZE=address,undefined >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@tests/sanitizers/run-ctest.sh $(ASAN_BUILD_DIR)

fuzz-build:
	@scripts/install-deps.sh build fuzz
	@cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja $(SANITIZER_CMAKE_FLAGS) -DCMAKE_CXX_COMPILER=clang++ \
	    -DTIDINGS_FUZZ=ON -DTIDINGS_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))

# Runs each target in turn for FUZZ_SECONDS; non-zero when any of them found a crash, leak or timeout.
fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

SOAK_ARGS ?= --seconds 180 --rate 200 --retention 30s --per-webhook 3000
soak: test-deps configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target tidings tidings_soak
	@$(BUILD_DIR)/bench/tidings_soak $(SOAK_ARGS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)

# Release flags (RelWithDebInfo, as `make run` builds), the suite's programs, nginx and wrk from Debian.
BENCH_ARGS ?=
bench:
	@scripts/install-deps.sh build bench
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTIDINGS_GUI=$(GUI) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target tidings tidings_bench
	@python3 bench/run.py --build $(BUILD_DIR) --out $(BUILD_DIR)/bench-results.md $(BENCH_ARGS)

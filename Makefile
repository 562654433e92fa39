# Liandong: the two README commands and a few helpers. Every target installs what is missing first.
#   make demo   install, build, start the whole system on the default (Zhuji) config
#   make test   install, build with warnings as errors, run every test (also under ASan/UBSan),
#               then the fuzz targets briefly
#   make fuzz   build the libFuzzer targets with clang and run each briefly (docs/security.md)
#   make install  build, then install to PREFIX (default /usr/local): PREFIX/bin and PREFIX/share/liandong

JOBS        ?= 2
BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
FUZZ_DIR    ?= build-fuzz
FUZZ_RUNS   ?= 20000
FUZZ_SECONDS ?= 20
CONFIG      ?= config/liandong.toml
DATA_DIR    ?= liandong-data
CMAKE_FLAGS ?=
PREFIX      ?= /usr/local

.PHONY: deps build test test-fast test-asan fuzz demo up install bench bench-quick clean

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIANDONG_WERROR=ON $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The test command CI runs (.ci/run): the normal build's tests (the quick benchmark included), then
# the same tests under AddressSanitizer and UndefinedBehaviorSanitizer (without the benchmark: its
# timings mean nothing there and it is the slowest to build), then the bounded fuzz runs.
test: test-fast test-asan fuzz

test-fast: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 300

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLIANDONG_WERROR=ON -DLIANDONG_SANITIZE=ON \
	  -DLIANDONG_BENCH=OFF $(CMAKE_FLAGS)

test-asan: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) --timeout 600

# The fuzz targets of tests/fuzz (clang, libFuzzer + ASan/UBSan) in their own build dir; each runs
# its kept crash inputs, then fuzzes for FUZZ_RUNS runs or FUZZ_SECONDS s; a crash fails.
$(FUZZ_DIR)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLIANDONG_FUZZ=ON -DLIANDONG_WERROR=ON $(CMAKE_FLAGS)

fuzz: deps $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	bash tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_RUNS) $(FUZZ_SECONDS)

demo: build
	./$(BUILD_DIR)/tools/liandong demo --config $(CONFIG) --data-dir $(DATA_DIR)

up: build
	./$(BUILD_DIR)/tools/liandong up --config $(CONFIG) --data-dir $(DATA_DIR)

# The programs to PREFIX/bin, the default configuration and the Zhuji deployment to
# PREFIX/share/liandong, where an installed `liandong up` finds them from any directory.
# DESTDIR=... stages the files elsewhere (packaging), as with any CMake install.
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The benchmark (bench/README.md): the audit log's durable rate and latency beside this machine's
# raw SQLite ceiling, the router's decisions/s and intake -> order latency, and issue #6's ceilings,
# throughput, growth and fan-out, measured in one run (under 10 minutes on 2 cores); the table goes
# to stdout, every figure to the JSON file.
bench: build
	./$(BUILD_DIR)/bench/liandong-bench --json-out $(BUILD_DIR)/bench-results.json

# The same harness with small runs (under a minute), as CI runs it: proves it works, asserts no timing.
bench-quick: build
	./$(BUILD_DIR)/bench/liandong-bench --quick --json-out $(BUILD_DIR)/bench-quick-results.json

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)

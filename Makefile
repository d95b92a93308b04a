# SPDX-License-Identifier: MIT
# The two commands a new user needs: `make run` and `make test`. Both
# install missing Debian packages first, then build with CMake.

BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/aquad.yaml

.PHONY: all deps build run test fuzz clean

all: build

deps:
	@packaging/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

run: build
	mkdir -p var
	$(BUILD)/daemon/aquad --config $(CONFIG)

# Every test, then every test again built with AddressSanitizer and
# UndefinedBehaviorSanitizer (leaks included) in a build directory of its
# own. ThreadSanitizer is not run: see docs/operations.md, "Sanitizers".
ASAN_BUILD ?= build-asan
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DAQUAD_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# libFuzzer on each target for FUZZ_SECONDS, clang with ASan and UBSan,
# in its own build directory; new inputs stay in build-fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = measurements timestamp query config
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAQUAD_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) $(addprefix --target fuzz_,$(FUZZ_TARGETS))
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t && \
	  build-fuzz/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf $(BUILD) build-fuzz build-asan

# SPDX-License-Identifier: MIT
# The two commands a new user needs: `make run` and `make test`. Both
# install missing Debian packages first, then build with CMake.

BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/aquad.yaml

.PHONY: all deps build run test clean

all: build

deps:
	@packaging/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

run: build
	mkdir -p var
	$(BUILD)/daemon/aquad --config $(CONFIG)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)

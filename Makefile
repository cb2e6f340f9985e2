# Thin wrapper over CMake. `make test` and `make demo` are the two commands a
# newcomer needs (README.md); both install missing packages first.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
# `make install PREFIX=/opt/jmpflash DESTDIR=/tmp/stage` (docs/packaging.md)
PREFIX ?= /usr/local

.PHONY: all deps build test test-asan fuzz lint demo bench board clean format install deb deb-check

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: deps build lint
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DJF_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Every fuzz harness (tests/fuzz/) under libFuzzer + ASan + UBSan for
# FUZZ_SECONDS each, two at a time (CI: FUZZ_SECONDS=30). FUZZ_ONLY="a b"
# runs some. Table in $(FUZZ_BUILD)/fuzz-report.txt.
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DJF_SANITIZE=ON -DJF_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) 2 $(FUZZ_ONLY)

lint: $(BUILD)/CMakeCache.txt
	scripts/lint.sh $(BUILD)

# The virtual board's bundle (cached: instant when nothing changed).
board: deps
	board/build.sh board/out

demo: deps build
	scripts/demo.sh $(BUILD)

bench: deps build
	@for b in bench/*.sh; do echo "== $$b"; $$b $(BUILD) || exit 1; done

# The tool, libjmpflash (.a, .so), headers, jmpflash.pc, man page, bash
# completion and examples under $(DESTDIR)$(PREFIX).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Debian packages (jmpflash, libjmpflash0, libjmpflash-dev) with debhelper,
# built from a copy of the tree in out/deb/ and checked with lintian.
deb: deps
	scripts/deb.sh out/deb

# Build the .deb, install it on this machine (CI: a fresh container) and run
# the installed tool.
deb-check: deb
	scripts/deb-check.sh out/deb

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# The two commands of the README: `make run` and `make test`. Each installs what it needs first.
SWIFT ?= swift
DATA_DIR ?= ./sonde-data

.PHONY: deps build release run test bench fuzz clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The shipped binary: the Swift runtime linked in and optimised for size. Both cut the pages of code
# the running agent maps (its resident memory is mostly code): 36.9 MiB peak with the API serving
# becomes 33.4 MiB; imports run about 15% slower, far above their goals (docs/performance.md).
RELEASE_FLAGS = --static-swift-stdlib -Xswiftc -Osize

release: deps
	$(SWIFT) build -c release --product sonde $(RELEASE_FLAGS)

# Starts the agent in the foreground with its built-in defaults; data goes to $(DATA_DIR).
run: release
	.build/release/sonde run --data-dir $(DATA_DIR)

# In parallel. Tests that drive real processes, sockets and servers or measure the machine carry the
# `.exclusiveMachineUse` trait (Tests/SondeTestSupport): they run one at a time, beside the pure tests,
# so on two cores they do not starve each other's schedules and readiness waits.
test:
	@scripts/install-deps.sh --test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Benchmarks live in their own package (Benchmarks/) so the main build stays small.
bench:
	@scripts/install-deps.sh --bench
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

# libFuzzer harnesses for every parser of untrusted input (Fuzz/README.md): each runs FUZZ_SECONDS;
# crashing inputs go to Fuzz/crashes/. One harness: Fuzz/run.sh TARGET SECONDS.
FUZZ_SECONDS ?= 60

fuzz: deps
	SWIFT=$(SWIFT) Fuzz/run.sh all $(FUZZ_SECONDS)

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build-fuzz Fuzz/.work

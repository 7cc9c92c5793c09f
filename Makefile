# The two commands of the README: `make run` and `make test`. Each installs what it needs first.
SWIFT ?= swift
DATA_DIR ?= ./sonde-data

.PHONY: deps build release run test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product sonde

# Starts the agent in the foreground with its built-in defaults; data goes to $(DATA_DIR).
run: release
	.build/release/sonde run --data-dir $(DATA_DIR)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Benchmarks live in their own package (Benchmarks/) so the main build stays small.
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build Benchmarks/.build

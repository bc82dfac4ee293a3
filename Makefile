# The two commands a newcomer needs are `make run` and `make test`; both
# install missing Debian packages first (as root; otherwise they say what to run).

SWIFT ?= swift
CONFIG ?= etc/panda/panda.yaml
PANDA := .build/debug/panda

.PHONY: deps build run test release deb man test-package clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build --product panda

# Everything on this machine: server, factory and local pilots, with a demo
# workload, state under ./state (PANDA_STATE), until Ctrl-C.
PANDA_STATE ?= $(CURDIR)/state
export PANDA_STATE

run: build
	$(PANDA) config check -c $(CONFIG)
	$(PANDA) up -c $(CONFIG) --demo

test: deps
	$(SWIFT) build --build-tests
	# The store suites run on their own: their in-process PostgreSQL clients
	# run on Swift's cooperative pool (one thread per core), which integration
	# tests that wait for a server process synchronously can hold long enough
	# for a connection attempt to time out.
	$(SWIFT) test --skip-build --disable-xctest --skip 'PandaStoreTests|JobCreationLimitTests|InternalDetailTests'
	$(SWIFT) test --skip-build --disable-xctest --filter PandaStoreTests
	# Known open defect: these two suites pass on their own (and together)
	# but fail inside the full parallel run, from an interference between
	# tests not yet found (the 60-job submit answered 200 with nothing
	# stored; the health probe not held by the locker's write lock). They
	# run here on their own until it is found; see the closing note.
	$(SWIFT) test --skip-build --disable-xctest --filter 'JobCreationLimitTests|InternalDetailTests'
	scripts/api-fuzz
	scripts/bench-smoke
	scripts/package-test

release: deps
	$(SWIFT) build -c release --product panda --static-swift-stdlib

# The Debian package, from the release binary: .build/deb/panda_<version>_amd64.deb.
deb: release
	scripts/build-deb

# The man pages in man/, from --help's declarations and the docs.
man: deps
	$(SWIFT) build --product panda
	scripts/generate-man

# Build the .deb, lint it, and install, upgrade, remove and purge it in a
# Debian 12 root (debootstrap, cached under .build/); as root.
test-package: deps
	scripts/package-test

clean:
	rm -rf .build

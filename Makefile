# The two commands a newcomer needs are `make run` and `make test`; both
# install missing Debian packages first (as root; otherwise they say what to run).

SWIFT ?= swift
CONFIG ?= etc/panda/panda.yaml
PANDA := .build/debug/panda

.PHONY: deps build run test release clean

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
	$(SWIFT) test --skip-build --disable-xctest
	scripts/api-fuzz

release: deps
	$(SWIFT) build -c release --product panda --static-swift-stdlib

clean:
	rm -rf .build

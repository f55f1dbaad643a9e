# Latchkey's two commands: `make run` builds and starts the desktop app,
# `make test` runs the whole test suite. Both install the system packages
# they need first (scripts/deps.sh; Debian and Ubuntu, or instructions).

export LANG := en_US.UTF-8
export CGO_ENABLED := 1
GO ?= go
# Pinned so a changed HOME (the keyring tests use a throwaway one) keeps
# reusing the same build and module caches.
export GOCACHE := $(shell $(GO) env GOCACHE)
export GOMODCACHE := $(shell $(GO) env GOMODCACHE)

BIN := ./latchkey

.PHONY: run build test deps deps-test lint unit keyring-test smoke bench

run: build
	$(BIN)

build: deps
	$(GO) build -o $(BIN) .

deps:
	@sh scripts/deps.sh

deps-test:
	@sh scripts/deps.sh test

# The whole suite: static checks, the unit tests with the race detector,
# then the real OS keyring inside a throwaway D-Bus session.
test: deps-test lint unit keyring-test smoke

lint:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" >&2; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit:
	$(GO) test -race -timeout 20m ./...

# gnome-keyring-daemon --unlock reads the login password from stdin and
# unlocks a fresh login keyring under a temporary HOME, so no prompt appears.
keyring-test:
	HOME=$$(mktemp -d) dbus-run-session -- sh -c '\
		echo latchkey-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
		LATCHKEY_TEST_SECRET_SERVICE=1 $(GO) test -race -count=1 -run "SystemKeyring" -v ./vault'

# The real binary in a real (virtual) X display, driven as a user would:
# see smoke_test.go.
smoke:
	HOME=$$(mktemp -d) xvfb-run -a -s "-screen 0 1024x768x24" dbus-run-session -- \
		env LATCHKEY_TEST_SMOKE=1 $(GO) test -count=1 -run Smoke -v .

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

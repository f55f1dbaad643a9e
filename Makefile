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

.PHONY: run build test deps deps-test lint unit security keyring-test postgres-test smoke bench

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
test: deps-test lint unit security keyring-test postgres-test smoke

lint:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" >&2; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# XDG_STATE_HOME: the vault's rollback marks (vault/seen.go) of the tests'
# vaults go to a throwaway directory, not the developer's own.
unit:
	XDG_STATE_HOME=$$(mktemp -d) $(GO) test -race -timeout 20m -skip '^TestSecurity' ./...

# The attacker's suite (SECURITY.md): one test per finding of the
# adversarial reviews, named after it (TestSecurity…), run on its own so a
# regression names the finding it reopens.
security:
	XDG_STATE_HOME=$$(mktemp -d) $(GO) test -race -timeout 10m -count=1 -run '^TestSecurity' -v ./...

# gnome-keyring-daemon --unlock reads the login password from stdin and
# unlocks a fresh login keyring under a temporary HOME, so no prompt appears.
keyring-test:
	HOME=$$(mktemp -d) dbus-run-session -- sh -c '\
		echo latchkey-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
		LATCHKEY_TEST_SECRET_SERVICE=1 $(GO) test -race -count=1 -run "SystemKeyring" -v ./vault'

# The portal's store suite again, against a throwaway PostgreSQL cluster
# (the unit run above covers SQLite only).
postgres-test:
	sh scripts/with-postgres.sh $(GO) test -race -count=1 ./portal/... ./cmd/latchkey-portal/

# The real binary in a real (virtual) X display, driven as a user would:
# see smoke_test.go.
smoke:
	HOME=$$(mktemp -d) xvfb-run -a -s "-screen 0 1024x768x24" dbus-run-session -- \
		env LATCHKEY_TEST_SMOKE=1 $(GO) test -count=1 -run Smoke -v .

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

# Release packages, in dist/ (see README, "Packages"). FyneApp.toml's Version
# names and stamps them, and goes into the binary with -X (plain builds get
# the same number from cli/version.go, which `go generate ./cli` keeps equal
# and cli's tests check). The commit comes from the build info, so release
# builds ask for it with -buildvcs=auto (this machine's GOFLAGS turn it off;
# GIT_OPTIONAL_LOCKS=0 keeps the go command's `git status` from touching the
# index); COMMIT=… overrides it (e.g. COMMIT=$$(git describe --always --dirty)).
PKG := github.com/latchkey/latchkey
VERSION := $(shell sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml)
COMMIT ?=
DIST := dist
RELEASE_LDFLAGS := -s -w -X $(PKG)/cli.version=$(VERSION)$(if $(COMMIT), -X $(PKG)/cli.commit=$(COMMIT))

.PHONY: dist dist-check dist-windows dist-windows-check dist-macos

# Linux: dist/latchkey, dist/latchkey-VERSION-linux-ARCH.tar.xz, dist/latchkey_VERSION_ARCH.deb.
# A position-independent executable, as Debian builds its own (the first
# pie build compiles Fyne's C code again: a few minutes).
dist: deps
	GIT_OPTIONAL_LOCKS=0 $(GO) build -buildmode=pie -trimpath -buildvcs=auto -ldflags "$(RELEASE_LDFLAGS)" -o $(DIST)/latchkey .
	sh scripts/package-linux.sh $(DIST)/latchkey $(VERSION) $(DIST)

# Installs the .deb on THIS machine (apt-get, as root or with sudo), checks
# it, then purges it. Not part of `make test`.
dist-check: dist
	sh scripts/dist-check.sh $(DIST)/latchkey_$(VERSION)_$$(dpkg --print-architecture).deb

# Windows (cross-built with mingw-w64): dist/latchkey.exe.
dist-windows:
	@sh scripts/deps.sh windows
	sh scripts/package-windows.sh $(VERSION) $(DIST) "$(RELEASE_LDFLAGS)"

# Runs dist/latchkey.exe under Wine in a virtual X display.
dist-windows-check: dist-windows
	@sh scripts/deps.sh wine
	sh scripts/wine-check.sh $(DIST)/latchkey.exe

# macOS, on a Mac only: dist/Latchkey.app and dist/latchkey-VERSION-macos.zip.
dist-macos:
	@sh scripts/package-macos.sh $(VERSION) $(DIST) "$(RELEASE_LDFLAGS)"

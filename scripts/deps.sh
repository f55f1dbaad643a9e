#!/bin/sh
# Installs the system packages Latchkey needs to build, run and test, on
# Debian and Ubuntu; elsewhere it says what to install. Called by `make run`
# and `make test`; safe to run again (it only installs what is missing).
set -eu

# build: cgo toolchain and the headers Fyne's GLFW driver compiles against.
# test: a virtual X server, a D-Bus session and GNOME Keyring for the real
# Secret Service backend, the age CLI for the break-glass test, util-linux's
# script to give age a terminal, xdotool to drive the real window in the
# smoke test, ImageMagick to capture the Xvfb screen by hand, PostgreSQL for
# the portal store suite, poppler-utils for the break-glass sheet's text checks,
# Chromium to drive the portal's pages headless.
BUILD_PKGS="gcc libgl1-mesa-dev xorg-dev libxkbcommon-dev"
TEST_PKGS="xvfb xauth xdotool dbus gnome-keyring age bsdutils imagemagick postgresql poppler-utils chromium"

# windows: `make dist-windows` cross-builds with mingw-w64 (the C compiler
# for cgo and windres for the icon and manifest). wine: `make
# dist-windows-check` runs that build under Wine in a virtual X display.
WINDOWS_PKGS="gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64"
WINE_PKGS="wine wine64 xvfb xauth imagemagick"

want="$BUILD_PKGS"
[ "${1:-}" = "test" ] && want="$BUILD_PKGS $TEST_PKGS"
[ "${1:-}" = "windows" ] && want="$BUILD_PKGS $WINDOWS_PKGS"
[ "${1:-}" = "wine" ] && want="$BUILD_PKGS $WINDOWS_PKGS $WINE_PKGS"

if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go 1.26 or later is needed: https://go.dev/dl/" >&2
	exit 1
fi

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	missing=""
	for p in $want; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$status" in
		*"install ok installed"*) ;;
		*) missing="$missing $p" ;;
		esac
	done
	[ -z "$missing" ] && exit 0
	echo "deps: installing$missing" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then sudo=sudo; else
			echo "deps: run as root or install sudo, then: apt-get install$missing" >&2
			exit 1
		fi
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
	exit 0
fi

case "$(uname -s)" in
Darwin)
	# Xcode's command line tools bring the compiler and OpenGL headers.
	xcode-select -p >/dev/null 2>&1 || {
		echo "deps: install the Xcode command line tools: xcode-select --install" >&2
		exit 1
	}
	[ "${1:-}" = "test" ] && ! command -v age >/dev/null 2>&1 &&
		echo "deps: the break-glass test needs age: brew install age (it is skipped without)" >&2
	exit 0
	;;
MINGW* | MSYS* | CYGWIN*)
	command -v gcc >/dev/null 2>&1 || {
		echo "deps: install a C compiler for cgo, e.g. MSYS2's mingw-w64-x86_64-gcc, and put it on PATH" >&2
		exit 1
	}
	exit 0
	;;
*)
	command -v gcc >/dev/null 2>&1 || {
		echo "deps: not a Debian system; install gcc and the OpenGL, X11 and xkbcommon development headers" >&2
		echo "      (Fedora: gcc libXcursor-devel libXrandr-devel mesa-libGL-devel libXi-devel libXinerama-devel libXxf86vm-devel libxkbcommon-devel)" >&2
		echo "      and for the tests: xorg-x11-server-Xvfb dbus-daemon gnome-keyring age ImageMagick" >&2
		exit 1
	}
	;;
esac

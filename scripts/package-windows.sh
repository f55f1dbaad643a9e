#!/bin/sh
# Cross-builds dist/latchkey.exe for Windows (amd64) with mingw-w64: a
# GUI-subsystem program with Latchkey's icon, version information and
# application manifest embedded. Called by `make dist-windows`:
#
#   sh scripts/package-windows.sh VERSION OUTDIR 'LDFLAGS'
#
# The resources (packaging/windows/latchkey.rc and .exe.manifest) are
# compiled with x86_64-w64-mingw32-windres into latchkey_windows_amd64.syso
# in the main package's directory, which only windows/amd64 builds link, for
# the time of the build. (`fyne package -os windows` would leave an
# unconstrained fyne.syso there, which breaks any Linux build that runs
# meanwhile.)
set -eu

version=$1 out=$2 ldflags=$3
cd "$(dirname "$0")/.."
cc=${CC_WINDOWS:-x86_64-w64-mingw32-gcc}
windres=${WINDRES:-x86_64-w64-mingw32-windres}
for tool in "$cc" "$windres"; do
	command -v "$tool" >/dev/null 2>&1 || { echo "package-windows: $tool is missing: sh scripts/deps.sh windows" >&2; exit 1; }
done
build=$(sed -n 's/^[[:space:]]*Build[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' FyneApp.toml)
# Windows wants four numbers: 0.1.0 and Build 1 give 0.1.0.1.
nums=$(echo "$version" | sed 's/[^0-9.].*//')
# shellcheck disable=SC2046 # split 0.1.0 into its numbers
set -- $(echo "$nums" | tr . ' ') 0 0 0
v4="$1.$2.$3.${build:-0}"
vcomma="$1,$2,$3,${build:-0}"

work=$(mktemp -d)
syso=latchkey_windows_amd64.syso
trap 'rm -rf "$work" "$syso"' EXIT INT TERM
go run scripts/icons.go -ico "$work/latchkey.ico"
sed -e "s/@VERSION4@/$v4/" packaging/windows/latchkey.exe.manifest >"$work/latchkey.exe.manifest"
sed -e "s/@VERSION_COMMA@/$vcomma/" -e "s/@VERSION@/$version/" packaging/windows/latchkey.rc >"$work/latchkey.rc"
"$windres" -I "$work" -O coff -i "$work/latchkey.rc" -o "$syso"

mkdir -p "$out"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$cc" \
	GIT_OPTIONAL_LOCKS=0 go build -trimpath -buildvcs=auto -ldflags "$ldflags -H=windowsgui" -o "$out/latchkey.exe" .
echo "$out/latchkey.exe"

#!/bin/sh
# Builds dist/Latchkey.app (and dist/latchkey-VERSION-macos.zip) on a Mac.
# Called by `make dist-macos`:
#
#   sh scripts/package-macos.sh VERSION OUTDIR 'LDFLAGS'
#
# Needs macOS with the Xcode command line tools (clang for cgo; sips,
# iconutil, codesign and ditto ship with macOS). MACOS_ARCH=universal builds
# arm64 and amd64 and joins them with lipo; the default is this Mac's
# architecture. The bundle is signed ad hoc, not notarized: on another Mac,
# Gatekeeper asks the user to allow it (System Settings, Privacy & Security)
# until it is signed with a Developer ID and notarized.
set -eu

version=$1 out=$2 ldflags=$3
if [ "$(uname -s)" != Darwin ]; then
	echo "dist-macos: Latchkey.app can only be built on macOS (Fyne needs cgo against Apple's SDK; there is no cross-compiler here)." >&2
	echo "dist-macos: on a Mac: xcode-select --install, then make dist-macos" >&2
	exit 1
fi
for tool in clang sips iconutil plutil; do
	command -v $tool >/dev/null 2>&1 || { echo "dist-macos: $tool is missing: xcode-select --install" >&2; exit 1; }
done
cd "$(dirname "$0")/.."
build=$(sed -n 's/^[[:space:]]*Build[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' FyneApp.toml)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
app=$out/Latchkey.app
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"

# MACOSX_DEPLOYMENT_TARGET matches LSMinimumSystemVersion.
export CGO_ENABLED=1 MACOSX_DEPLOYMENT_TARGET=11.0 GIT_OPTIONAL_LOCKS=0
case "${MACOS_ARCH:-native}" in
universal)
	GOARCH=arm64 go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$work/latchkey-arm64" .
	GOARCH=amd64 go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$work/latchkey-amd64" .
	lipo -create -output "$app/Contents/MacOS/latchkey" "$work/latchkey-arm64" "$work/latchkey-amd64"
	;;
native) go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$app/Contents/MacOS/latchkey" . ;;
*) GOARCH=$MACOS_ARCH go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$app/Contents/MacOS/latchkey" . ;;
esac

sed -e "s/@VERSION@/$version/" -e "s/@BUILD@/${build:-1}/" packaging/macos/Info.plist >"$app/Contents/Info.plist"
plutil -lint "$app/Contents/Info.plist" >/dev/null
printf 'APPL????' >"$app/Contents/PkgInfo"

set="$work/icon.iconset"
mkdir "$set"
for s in 16 32 128 256 512; do
	sips -z $s $s assets/icon.png --out "$set/icon_${s}x$s.png" >/dev/null
	d=$((s * 2))
	if [ $d -le 512 ]; then
		sips -z $d $d assets/icon.png --out "$set/icon_${s}x$s@2x.png" >/dev/null
	fi
done
iconutil -c icns -o "$app/Contents/Resources/icon.icns" "$set"

codesign --force --deep --sign - "$app"
ditto -c -k --keepParent "$app" "$out/latchkey-$version-macos.zip"
echo "$app"
echo "$out/latchkey-$version-macos.zip"

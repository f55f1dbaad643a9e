#!/bin/sh
# Packages a Linux release binary: dist/latchkey-VERSION-linux-ARCH.tar.xz
# (the layout `fyne package -os linux` makes, with Latchkey's own .desktop
# file and a Makefile for `make install`) and dist/latchkey_VERSION_ARCH.deb
# (built with dpkg-deb). Called by `make dist`:
#
#   sh scripts/package-linux.sh BINARY VERSION OUTDIR
#
# Both packages take packaging/linux/io.github.latchkey.latchkey.desktop,
# which registers the otpauth:// and otpauth-migration:// link handlers.
set -eu

bin=$1 version=$2 out=$3
app=io.github.latchkey.latchkey
sizes="512 256 128 64 48"
maintainer=${DEB_MAINTAINER:-"Latchkey developers <latchkey@users.noreply.github.com>"}

cd "$(dirname "$0")/.."
[ -x "$bin" ] || { echo "package-linux: no binary at $bin" >&2; exit 1; }
for tool in dpkg-deb tar xz objdump strings; do
	command -v $tool >/dev/null 2>&1 || { echo "package-linux: $tool is missing (apt-get install dpkg xz-utils binutils)" >&2; exit 1; }
done
arch=$(dpkg --print-architecture)
goarch=$(go env GOARCH)
# Reproducible timestamps: the last commit's, when there is one.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/icons" "$out"
go run scripts/icons.go -src assets/icon.png -png "$work/icons" 256 128 64 48
cp assets/icon.png "$work/icons/512.png"

# --- .tar.xz -------------------------------------------------------------
t=$work/tar/latchkey
install -Dm755 "$bin" "$t/usr/local/bin/latchkey"
install -Dm644 "packaging/linux/$app.desktop" "$t/usr/local/share/applications/$app.desktop"
install -Dm644 assets/icon.png "$t/usr/local/share/pixmaps/$app.png"
for s in $sizes; do
	install -Dm644 "$work/icons/$s.png" "$t/usr/local/share/icons/hicolor/${s}x$s/apps/$app.png"
done
install -m644 packaging/linux/Makefile "$t/Makefile"
tarball=$out/latchkey-$version-linux-$goarch.tar.xz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
	-C "$work/tar" -cJf "$tarball" latchkey
echo "$tarball"

# --- .deb ----------------------------------------------------------------
d=$work/deb
install -Dm755 "$bin" "$d/usr/bin/latchkey"
install -Dm644 "packaging/linux/$app.desktop" "$d/usr/share/applications/$app.desktop"
for s in $sizes; do
	install -Dm644 "$work/icons/$s.png" "$d/usr/share/icons/hicolor/${s}x$s/apps/$app.png"
done
install -Dm644 packaging/deb/copyright "$d/usr/share/doc/latchkey/copyright"
mkdir -p "$d/usr/share/man/man1"
gzip -9n <packaging/linux/latchkey.1 >"$d/usr/share/man/man1/latchkey.1.gz"
chmod 644 "$d/usr/share/man/man1/latchkey.1.gz"
printf 'latchkey (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
	"$version" "$version" "$maintainer" "$(date -R -u -d "@$epoch")" | gzip -9n >"$d/usr/share/doc/latchkey/changelog.gz"
chmod 644 "$d/usr/share/doc/latchkey/changelog.gz"

# Depends: the packages owning the shared libraries the binary links
# (objdump's NEEDED), and those GLFW dlopens at start for X11 (which the
# linker's --as-needed drops from NEEDED): cursors, RandR, Xinerama, XInput,
# XF86VidMode, XRender. dpkg-shlibdeps (dpkg-dev) adds minimum versions to
# the linked ones; without it, plain package names.
needed=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | paste -sd' ' -)
dlopened=""
for lib in libXcursor.so.1 libXrandr.so.2 libXinerama.so.1 libXi.so.6 libXxf86vm.so.1 libXrender.so.1; do
	strings "$bin" | grep -qx "$lib" && dlopened="$dlopened $lib"
done
depends=""
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
	mkdir -p "$work/shlibs/debian"
	printf 'Source: latchkey\n\nPackage: latchkey\nArchitecture: any\n' >"$work/shlibs/debian/control"
	absbin=$(realpath "$bin")
	depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "-e$absbin" 2>/dev/null |
		sed -n 's/^shlibs:Depends=//p')
fi
# owner LIB: the package that holds the shared library LIB.
owner() {
	path=$(ldconfig -p | awk -v l="$1" '$1 == l {print $NF; exit}')
	[ -n "$path" ] || { echo "package-linux: $1 is not installed (make deps)" >&2; exit 1; }
	pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "/usr$path")
	echo "${pkg%%:*}"
}
# owners LIB...: their packages as a Depends list.
owners() {
	list=""
	for lib in "$@"; do
		pkg=$(owner "$lib")
		list="$list $pkg"
	done
	# shellcheck disable=SC2086 # one word per package
	printf '%s\n' $list | sort -u | paste -sd, - | sed 's/,/, /g'
}
# shellcheck disable=SC2086 # lists of library names
[ -n "$depends" ] || depends=$(owners $needed)
# shellcheck disable=SC2086
extra=$(owners $dlopened)
[ -z "$extra" ] || depends="$depends, $extra"
echo "package-linux: linked: $needed; dlopened:$dlopened" >&2
echo "package-linux: Depends: $depends" >&2

mkdir -p "$d/DEBIAN"
size=$(du -sk "$d/usr" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$size/" \
	-e "s/@DEPENDS@/$depends/" -e "s/@MAINTAINER@/$maintainer/" packaging/deb/control >"$d/DEBIAN/control"
install -m755 packaging/deb/postinst packaging/deb/postrm "$d/DEBIAN/"
(cd "$d" && find usr -type f | sort | xargs md5sum) >"$d/DEBIAN/md5sums"
chmod 644 "$d/DEBIAN/control" "$d/DEBIAN/md5sums"
find "$d" -type d -exec chmod 755 {} +
find "$d" -exec touch -h -d "@$epoch" {} +
deb=$out/latchkey_${version}_$arch.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$d" "$deb" >/dev/null
echo "$deb"

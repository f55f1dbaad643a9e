#!/bin/sh
# Installs a Latchkey .deb on THIS machine, checks what it installed and
# registered, then purges it and checks that nothing is left. Run by
# `make dist-check` (never by `make test`: it changes the system's packages).
#
#   sh scripts/dist-check.sh dist/latchkey_VERSION_ARCH.deb
#
# Needs root or sudo, apt-get, and installs xdg-utils and desktop-file-utils
# when missing. When xvfb-run is there it also opens an otpauth:// link the
# way a browser does (xdg-open) in a virtual X display and saves a
# screenshot of what Latchkey shows to dist/dist-check-link.png.
set -eu

deb=$(realpath "$1")
app=io.github.latchkey.latchkey
desktop=/usr/share/applications/$app.desktop
out=$(dirname "$deb")

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "dist-check: run as root or install sudo" >&2; exit 1; }
	sudo=sudo
fi
apt() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
step() { printf '\n== %s\n' "$*"; }
fail() { echo "dist-check: FAIL: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' latchkey 2>/dev/null | grep -q 'install ok installed'; then
	fail "latchkey is already installed here; remove it first (this check purges what it installs)"
fi
for p in xdg-utils desktop-file-utils; do
	dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'install ok installed' ||
		apt install -y -qq --no-install-recommends $p >/dev/null
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
# A clean user: no mimeapps.list of the person running this decides anything.
clean() { env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_DATA_DIRS -u XDG_CURRENT_DESKTOP \
	-u DESKTOP_SESSION -u KDE_FULL_SESSION -u GNOME_DESKTOP_SESSION_ID HOME="$work/home" "$@"; }
mkdir -p "$work/home"

step "dpkg-deb --info $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Architecture Depends

step "apt-get install $deb"
apt install -y -q --no-install-recommends "$deb" 2>&1 | grep -E '^(Setting up|Unpacking|Processing|E:)' || true
dpkg-query -W -f='${Status}' latchkey | grep -q 'install ok installed' || fail "not installed"
dpkg -L latchkey | sort >"$work/files"
grep -v '^/usr/share/doc/' "$work/files" | while read -r f; do [ -d "$f" ] || echo "$f"; done

step "latchkey --version"
command -v latchkey
v=$(clean latchkey --version) || fail "latchkey --version failed"
echo "$v"
want=$(dpkg-deb --field "$deb" Version)
echo "$v" | grep -Eq "^latchkey $want \(commit [^,]+, built with go[0-9.]+\)$" || fail "unexpected version line"
clean latchkey version >/dev/null || fail "latchkey version failed"

step "desktop-file-validate $desktop"
desktop-file-validate "$desktop" && echo ok
grep -E '^(Exec|MimeType)=' "$desktop"

step "/usr/share/applications/mimeinfo.cache (update-desktop-database in postinst)"
grep -E '^x-scheme-handler/otpauth' /usr/share/applications/mimeinfo.cache || fail "otpauth handlers not in mimeinfo.cache"

step "xdg-mime query default"
for scheme in otpauth otpauth-migration latchkey; do
	got=$(clean xdg-mime query default "x-scheme-handler/$scheme")
	echo "x-scheme-handler/$scheme: $got"
	[ "$got" = "$app.desktop" ] || fail "xdg-mime says '$got' for $scheme"
done

if command -v xvfb-run >/dev/null 2>&1 && command -v import >/dev/null 2>&1; then
	step "xdg-open otpauth://… in a virtual X display (a link clicked in a browser)"
	vault=$work/vault
	echo "dist-check passphrase" >"$work/pass"
	clean latchkey --home "$vault" init --no-keyring --new-passphrase-file "$work/pass" >/dev/null
	link='otpauth://totp/Dist%20Check:ann@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Dist%20Check'
	cat >"$work/x.sh" <<-SCRIPT
		# A process group of its own, so exactly what xdg-open started can be stopped.
		setsid xdg-open '$link' >"$work/open.log" 2>&1 &
		pid=\$!
		sleep 12
		import -window root "$out/dist-check-link.png"
		kill -TERM -- -\$pid 2>/dev/null || kill \$pid 2>/dev/null || true
		sleep 1
	SCRIPT
	clean env LATCHKEY_HOME="$vault" LATCHKEY_PASSPHRASE_FILE="$work/pass" LATCHKEY_KEYRING=off \
		xvfb-run -a -s "-screen 0 1024x768x24" sh "$work/x.sh" || true
	sed 's/^/  xdg-open: /' "$work/open.log"
	if [ -s "$out/dist-check-link.png" ]; then echo "screenshot: $out/dist-check-link.png"; else echo "no screenshot"; fi
fi

step "apt-get purge latchkey"
apt purge -y -q latchkey 2>&1 | grep -E '^(Removing|Purging|E:)' || true
if dpkg-query -W -f='${Status}' latchkey 2>/dev/null | grep -q 'installed'; then fail "still installed"; fi
dpkg -L latchkey >/dev/null 2>&1 && fail "dpkg -L still lists latchkey"
echo "dpkg -L latchkey: $(dpkg -L latchkey 2>&1 | head -1)"
left=""
while read -r f; do
	[ -d "$f" ] && continue # shared directories (/usr/bin, …) stay
	[ -e "$f" ] && left="$left $f"
done <"$work/files"
[ -z "$left" ] || fail "left behind:$left"
[ ! -e /usr/share/doc/latchkey ] || fail "/usr/share/doc/latchkey left behind"
echo "all $(wc -l <"$work/files") paths dpkg listed are gone (shared directories kept)"
! grep -q "$app" /usr/share/applications/mimeinfo.cache || fail "mimeinfo.cache still names $app"
echo "mimeinfo.cache no longer names $app"
got=$(clean xdg-mime query default x-scheme-handler/otpauth)
echo "xdg-mime query default x-scheme-handler/otpauth: '${got}'"
[ -z "$got" ] || fail "a handler is still registered"

step "dist-check: OK"

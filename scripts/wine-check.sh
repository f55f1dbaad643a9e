#!/bin/sh
# Runs a cross-built latchkey.exe under Wine in a virtual X display: the CLI
# (--version, scan, init/add/list/code with a passphrase file and no
# keyring) and the desktop app, whose screen it saves to
# dist/wine-gui.png, then `latchkey.exe open LINK`, which must hand the link
# to the running app (dist/wine-open.png shows what it asks). Run by `make dist-windows-check`:
#
#   sh scripts/wine-check.sh dist/latchkey.exe
#
# Everything happens in a throwaway Wine prefix. Wine is not Windows: a
# pass here says the binary starts and its pure-Go parts work, not that the
# Windows keyring, tray or link handler do.
set -eu

exe=$(realpath "$1")
out=$(dirname "$exe")
cd "$(dirname "$0")/.."
command -v wine >/dev/null 2>&1 || { echo "wine-check: wine is missing: sh scripts/deps.sh wine" >&2; exit 1; }
command -v xvfb-run >/dev/null 2>&1 || { echo "wine-check: xvfb-run is missing: sh scripts/deps.sh wine" >&2; exit 1; }

work=$(mktemp -d)
export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
	wineserver -k 2>/dev/null || true # this prefix's server only
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Go 1.24+ needs bcryptprimitives.dll, which Debian 12's Wine 8.0 lacks:
# put a stand-in into this throwaway prefix (see wine-bcryptprimitives.c).
wine wineboot --init >/dev/null 2>&1 || true
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	scripts/wine-bcryptprimitives.c -ladvapi32
export WINEDLLOVERRIDES="$WINEDLLOVERRIDES;bcryptprimitives=n"

uri='otpauth://totp/Acme:ann@acme.example?secret=JBSWY3DPEHPK3PXP&issuer=Acme'
uri2='otpauth://totp/Globex:ann@globex.example?secret=KRSXG5CTMVRXEZLU&issuer=Globex'
go run scripts/qrpng.go "$work/qr.png" "$uri"
echo "wine check passphrase" >"$work/pass"
mkdir "$work/vault"
# The code Windows must show, from the Linux build (dist/latchkey) when
# there is one: the same account, the same time.
at=2026-11-22T09:00:00Z
expect='[0-9][0-9][0-9][0-9][0-9][0-9]'
if [ -x "$out/latchkey" ] && "$out/latchkey" --version >/dev/null 2>&1; then
	l="$out/latchkey --home $work/linux --no-keyring --passphrase-file $work/pass"
	$l init --new-passphrase-file "$work/pass" >/dev/null
	$l add "$uri" >/dev/null
	expect=$($l code --at $at acme)
	echo "wine-check: the Linux build says the code at $at is $expect"
fi

cat >"$work/run.sh" <<SCRIPT
set -u
fails=0
run() { # run NAME EXPECT ARGS...: wine latchkey.exe ARGS, output must contain EXPECT
	name=\$1 expect=\$2; shift 2
	printf '\n$ wine latchkey.exe %s\n' "\$*"
	wine "$exe" "\$@" >"$work/out" 2>&1 </dev/null
	rc=\$?
	grep -v -e 'wine32 is missing' -e 'multiarch needs' -e 'dpkg --add-architecture' -e 'apt-get install wine32' "$work/out"
	echo "(exit \$rc)"
	if [ \$rc -ne 0 ] || ! grep -q -- "\$expect" "$work/out"; then echo "FAIL: \$name"; fails=\$((fails+1)); fi
}
H="--home Z:$work/vault --no-keyring --passphrase-file Z:$work/pass"
run version "latchkey " --version
run version-cmd "built with" version
run scan "otpauth://totp/Acme" scan "Z:$work/qr.png"
run init "Created a vault" \$H init --new-passphrase-file "Z:$work/pass"
run add "Added Acme: ann@acme.example." \$H add "$uri"
run list "ann@acme.example" \$H list
run code "$expect" \$H code --at $at acme
run import-qr "already in the vault" \$H import --dry-run "Z:$work/qr.png"

printf '\n$ wine cmd /c latchkey.exe --version   (through cmd.exe; Wine prints with or without main_windows.go)\n'
wine cmd /c "$exe" --version 2>&1 | grep -v -e wine32 -e multiarch -e 'add-architecture' -e 'install wine32'

printf '\n$ wine latchkey.exe   (the desktop app; screenshot after 20 s)\n'
LATCHKEY_HOME="Z:$work/vault" LATCHKEY_PASSPHRASE_FILE="Z:$work/pass" LATCHKEY_KEYRING=off \
	setsid wine "$exe" >"$work/gui.log" 2>&1 &
gui=\$!
sleep 20
import -window root "$out/wine-gui.png"

# A link clicked while the app runs: the second launch must hand it to the
# first (single-instance channel) and exit, not open a second window.
printf '\n$ wine latchkey.exe open otpauth://…   (the running app must take it; screenshot after 5 s)\n'
if LATCHKEY_HOME="Z:$work/vault" LATCHKEY_KEYRING=off timeout 30 wine "$exe" open "$uri2" >"$work/open.log" 2>&1 </dev/null; then
	echo "(handed over: exit 0)"
	sleep 5
	import -window root "$out/wine-open.png"
	echo "screenshot: $out/wine-open.png"
else
	echo "FAIL: open did not hand the link to the running app (exit \$?)"; fails=\$((fails+1))
	grep -v -e wine32 -e multiarch -e 'add-architecture' -e 'install wine32' "$work/open.log" | tail -5
fi
kill -TERM -- -\$gui 2>/dev/null || true
grep -v -e wine32 -e multiarch -e 'add-architecture' -e 'install wine32' "$work/gui.log" | tail -20
echo "screenshot: $out/wine-gui.png"
echo
[ \$fails -eq 0 ] && echo "wine-check: CLI OK" || echo "wine-check: \$fails CLI check(s) failed"
exit \$fails
SCRIPT
xvfb-run -a -s "-screen 0 1024x768x24" sh "$work/run.sh"

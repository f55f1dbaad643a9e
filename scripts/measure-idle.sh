#!/bin/sh
# Measures the desktop app's idle CPU with N accounts (default 200) in a
# virtual X display: start to window mapped, RSS, and CPU over 30 s in the
# foreground, in the background (another window focused), and for an empty
# vault, which never redraws (Fyne's own floor). Needs xvfb, dbus,
# gnome-keyring, xdotool, x11-apps (xlogo) and bc; builds ./latchkey first.
#
#   sh scripts/measure-idle.sh [N]
set -eu
N=${1:-200}
cd "$(dirname "$0")/.."
go build -o latchkey .
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "measure-idle passphrase" > "$work/pass"
i=0
while [ "$i" -lt "$N" ]; do
	secret=$(head -c 20 /dev/urandom | base32 | tr -d '=')
	echo "otpauth://totp/Tenant%20$((i % 40)):user$i@customer$((i % 40)).example?secret=$secret&issuer=Tenant%20$((i % 40))"
	i=$((i + 1))
done > "$work/uris.txt"

cat > "$work/run.sh" <<'INNER'
#!/bin/sh
set -eu
echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export LANG=en_US.UTF-8 LATCHKEY_PASSPHRASE_FILE="$WORK/pass"
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
measure() {
	t0=$(cpu "$1"); sleep 30; t1=$(cpu "$1")
	echo "$2: $(echo "scale=2; ($t1-$t0)*100/$(getconf CLK_TCK)/30" | bc)% of one core"
}
run() { # home label
	LATCHKEY_HOME=$1 ./latchkey >/dev/null 2>&1 &
	P=$!
	start=$(date +%s%N)
	# Not --sync: it polls only every half second.
	until xdotool search --name '^Latchkey$' >/dev/null 2>&1; do sleep 0.02; done
	echo "$2: window mapped after $(( ($(date +%s%N) - start) / 1000000 )) ms"
	sleep 6
	W=$(xdotool search --name '^Latchkey$' | head -1)
	xdotool windowfocus "$W" 2>/dev/null || true
	measure "$P" "$2, foreground"
	grep VmRSS "/proc/$P/status" | sed "s/^/$2: /"
	if [ "$3" = background ]; then
		xlogo -geometry 100x100+600+400 & X=$!
		sleep 1
		xdotool windowfocus "$(xdotool search --name xlogo | head -1)" 2>/dev/null || true
		measure "$P" "$2, background"
		kill "$X"
	fi
	kill "$P"; wait "$P" 2>/dev/null || true
}
LATCHKEY_HOME="$WORK/full" ./latchkey init >/dev/null
LATCHKEY_HOME="$WORK/full" ./latchkey import "$WORK/uris.txt" | head -1
LATCHKEY_HOME="$WORK/empty" ./latchkey init >/dev/null
run "$WORK/full" "$N accounts" background
run "$WORK/empty" "empty vault" foreground-only
INNER
HOME=$work WORK=$work N=$N xvfb-run -a -s "-screen 0 1024x768x24" dbus-run-session -- sh "$work/run.sh" 2>&1 | grep -v "fd limit"

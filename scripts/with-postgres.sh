#!/bin/sh
# with-postgres.sh CMD [ARGS...]
#
# Runs CMD with LATCHKEY_TEST_POSTGRES pointing at a throwaway PostgreSQL
# cluster, then removes the cluster, whatever CMD's outcome. Example:
#
#   sh scripts/with-postgres.sh go test -race ./portal/...
#
# - PostgreSQL comes from Debian's packages. If no server is installed and we
#   are root, this runs `apt-get install postgresql`; otherwise it stops and
#   says what to install.
# - The cluster lives in a fresh temp directory, listens only on a unix socket
#   in that directory (no TCP port, so it cannot clash with anything), trusts
#   local connections, and runs with fsync off: it is for tests only.
# - PostgreSQL refuses to run as root, so as root the server runs as the
#   `postgres` user (via runuser); as any other user it runs as that user.
# - CMD runs as the invoking user. Its exit status is this script's.
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

find_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bindir=$(find_bindir)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "with-postgres: PostgreSQL server not found; install Debian's postgresql package (as root: apt-get install postgresql)" >&2
		exit 1
	fi
	echo "with-postgres: installing postgresql from Debian's packages (apt-get, as root)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2 ||
		{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2; }
	bindir=$(find_bindir)
	if [ -z "$bindir" ]; then
		echo "with-postgres: postgresql installed but no /usr/lib/postgresql/*/bin found" >&2
		exit 1
	fi
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-pg.XXXXXX")
if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$dir"
	as_pg() { (cd "$dir" && runuser -u postgres -- "$@"); }
else
	as_pg() { (cd "$dir" && "$@"); }
fi

started=0
cleanup() {
	status=$?
	if [ "$started" -eq 1 ]; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	exit 1
}

port=5432
started=1
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
	-o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null || {
	cat "$dir/server.log" >&2
	exit 1
}

LATCHKEY_TEST_POSTGRES="postgres://postgres@/postgres?host=$dir&port=$port&sslmode=disable"
export LATCHKEY_TEST_POSTGRES
echo "with-postgres: $("$bindir/postgres" --version) on $dir" >&2

set +e
"$@"
status=$?
set -e
exit "$status"

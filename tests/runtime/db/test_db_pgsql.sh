#!/bin/sh
# Run test_db against a real PostgreSQL server started for the test: a
# fresh cluster in a temporary directory, listening on 127.0.0.1 only on a
# free port, password authentication, its socket in the same directory. The
# down-and-back test stops and restarts it through DB_TEST_STOP/START.
# Exit 77 (skipped) when the PostgreSQL server binaries are not installed
# (apt-get install postgresql) or, as root, there is no postgres user to
# run them (the server refuses to run as root).
set -u
builddir=${top_builddir:-.}
test_db=$builddir/tests/runtime/db/test_db

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			bindir=$d
			break
		fi
	done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "SKIP: PostgreSQL server binaries not found (apt-get install postgresql)"
	exit 77
fi

run=""
if [ "$(id -u)" = 0 ]; then
	if ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1; then
		echo "SKIP: running as root without a postgres user to start the server"
		exit 77
	fi
	run="runuser -u postgres --"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-pg.XXXXXX") || exit 99
data=$tmp/data
# A password that needs percent-encoding in the URL.
password='p@ss:w/rd'
password_url='p%40ss%3Aw%2Frd'
printf '%s\n' "$password" > "$tmp/pwfile"
[ -n "$run" ] && chown -R postgres "$tmp"

cleanup() {
	$run "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

if ! $run "$bindir/initdb" -D "$data" -U sipcc --pwfile="$tmp/pwfile" \
	--auth=scram-sha-256 -E UTF8 --locale=C --no-sync > "$tmp/initdb.log" 2>&1; then
	cat "$tmp/initdb.log"
	exit 99
fi

# Try a few random ports until one is free.
port=""
for try in 1 2 3 4 5; do
	p=$(( 20000 + ($$ * 7 + try * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
	start="$run $bindir/pg_ctl -D $data -w -t 30 -l $tmp/server.log \
-o '-p $p -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off' start"
	if sh -c "$start" >/dev/null 2>&1; then
		port=$p
		break
	fi
done
if [ -z "$port" ]; then
	cat "$tmp/server.log"
	exit 99
fi

if ! PGPASSWORD=$password "$bindir/createdb" -h 127.0.0.1 -p "$port" -U sipcc sipcc_test; then
	cat "$tmp/server.log"
	exit 99
fi

DB_URL="postgres://sipcc:$password_url@127.0.0.1:$port/sipcc_test"
DB_TEST_STOP="$run $bindir/pg_ctl -D $data -m fast -w stop >/dev/null"
DB_TEST_START="$start >/dev/null"
export DB_URL DB_TEST_STOP DB_TEST_START
"$test_db"
rc=$?
[ $rc = 0 ] || tail -n 30 "$tmp/server.log"
exit $rc

#!/bin/sh
# Run test_db against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh). The down-and-back test stops and restarts it
# through DB_TEST_STOP/START. Exit 77 (skipped) when the PostgreSQL server
# binaries are not installed (apt-get install postgresql) or, as root,
# there is no postgres user to run them.
set -u
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../../..}
test_db=$builddir/tests/runtime/db/test_db
. "$srcdir/tests/pgsql_server.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-pg.XXXXXX") || exit 99
cleanup() {
	pg_server_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

pg_server_start "$tmp"
rc=$?
[ $rc = 0 ] || exit $rc

DB_URL=$PG_URL
DB_TEST_STOP=$PG_STOP
DB_TEST_START=$PG_START
export DB_URL DB_TEST_STOP DB_TEST_START
"$test_db"
rc=$?
[ $rc = 0 ] || tail -n 30 "$PG_LOG"
exit $rc

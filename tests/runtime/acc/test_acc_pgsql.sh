#!/bin/sh
# Run test_acc against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh): the accounting tables of the schema and the
# INSERTs that write them on the shared-database backend. Exit 77 (skipped)
# when the PostgreSQL server binaries are not installed (apt-get install
# postgresql) or, as root, there is no postgres user to run them.
set -u
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../../..}
test_acc=$builddir/tests/runtime/acc/test_acc
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
export DB_URL
"$test_acc"
rc=$?
[ $rc = 0 ] || tail -n 30 "$PG_LOG"
exit $rc

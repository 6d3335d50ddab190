#!/bin/sh
# Run test_db against a real MariaDB server started for the test
# (tests/mysql_server.sh). The down-and-back test stops and restarts it
# through DB_TEST_STOP/START; the hung-server test freezes it through its
# pid file (DB_TEST_SERVER_PIDFILE). Exit 77 (skipped) when the MariaDB
# server is not installed (apt-get install mariadb-server).
set -u
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../../..}
test_db=$builddir/tests/runtime/db/test_db
. "$srcdir/tests/mysql_server.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-my.XXXXXX") || exit 99
cleanup() {
	my_server_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

my_server_start "$tmp"
rc=$?
[ $rc = 0 ] || exit $rc

DB_URL=$MY_URL
DB_TEST_STOP=$MY_STOP
DB_TEST_START=$MY_START
DB_TEST_SERVER_PIDFILE=$tmp/mysqld.pid
export DB_URL DB_TEST_STOP DB_TEST_START DB_TEST_SERVER_PIDFILE
"$test_db"
rc=$?
[ $rc = 0 ] || tail -n 30 "$MY_LOG"
exit $rc

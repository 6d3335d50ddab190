# Run a test program against a real database server started for it:
#
#   . "$srcdir/tests/db_server_run.sh"
#   db_server_run pgsql tests/runtime/db/test_db
#
# BACKEND is pgsql (tests/pgsql_server.sh), mysql (tests/mysql_server.sh,
# MariaDB) or redis (tests/redis_server.sh). The program gets DB_URL, DB_TEST_STOP and DB_TEST_START (shell
# commands that stop and restart the server) and DB_TEST_SERVER_PIDFILE
# (MariaDB: to freeze the server). Exits with the program's status (the
# server's log tail printed on failure), 77 when the server is not
# installed, 99 when it cannot be set up.
set -u
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../../..}

db_server_run() { # BACKEND PROGRAM
	prog=$builddir/$2
	case $1 in
	pgsql) pfx=pg ;;
	mysql) pfx=my ;;
	redis) pfx=redis ;;
	*) echo "db_server_run: unknown backend $1" >&2; exit 99 ;;
	esac
	. "$srcdir/tests/$1_server.sh"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-$1.XXXXXX") || exit 99
	trap '${pfx}_server_stop; rm -rf "$tmp"' EXIT
	trap 'exit 99' INT TERM
	"${pfx}_server_start" "$tmp"
	rc=$?
	[ $rc = 0 ] || exit $rc
	case $pfx in
	pg) DB_URL=$PG_URL DB_TEST_STOP=$PG_STOP DB_TEST_START=$PG_START log=$PG_LOG ;;
	my) DB_URL=$MY_URL DB_TEST_STOP=$MY_STOP DB_TEST_START=$MY_START log=$MY_LOG
	    DB_TEST_SERVER_PIDFILE=$tmp/mysqld.pid
	    export DB_TEST_SERVER_PIDFILE ;;
	redis) DB_URL=$REDIS_URL DB_TEST_STOP=$REDIS_STOP DB_TEST_START=$REDIS_START log=$REDIS_LOG ;;
	esac
	export DB_URL DB_TEST_STOP DB_TEST_START
	"$prog"
	rc=$?
	[ $rc = 0 ] || tail -n 30 "$log"
	exit $rc
}

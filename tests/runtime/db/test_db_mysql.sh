#!/bin/sh
# Run test_db against a real MariaDB server started for the test
# (tests/mysql_server.sh). The down-and-back test stops and restarts it
# through DB_TEST_STOP/START; the hung-server test freezes it through its
# pid file (DB_TEST_SERVER_PIDFILE). Exit 77 (skipped) when the MariaDB
# server is not installed (apt-get install mariadb-server).
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run mysql tests/runtime/db/test_db

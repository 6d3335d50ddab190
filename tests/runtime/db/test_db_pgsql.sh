#!/bin/sh
# Run test_db against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh). The down-and-back test stops and restarts it
# through DB_TEST_STOP/START. Exit 77 (skipped) when the PostgreSQL server
# binaries are not installed (apt-get install postgresql) or, as root,
# there is no postgres user to run them.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run pgsql tests/runtime/db/test_db

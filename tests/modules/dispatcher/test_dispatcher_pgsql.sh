#!/bin/sh
# Run test_dispatcher against a real PostgreSQL server started for the
# test (tests/pgsql_server.sh): the dispatcher table and the query that
# loads it on the shared-database backend. Exit 77 (skipped) without the
# PostgreSQL server binaries.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run pgsql tests/modules/dispatcher/test_dispatcher

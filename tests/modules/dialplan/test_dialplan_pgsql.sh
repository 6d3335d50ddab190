#!/bin/sh
# Run test_dialplan against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh): the schema's dialplan table and the query that
# loads it on the shared-database backend. Exit 77 (skipped) when the
# PostgreSQL server binaries are not installed (apt-get install
# postgresql) or, as root, there is no postgres user to run them.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run pgsql tests/modules/dialplan/test_dialplan

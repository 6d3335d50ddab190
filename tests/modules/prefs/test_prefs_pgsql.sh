#!/bin/sh
# Run test_prefs against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh); exit 77 (skipped) without the server binaries.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run pgsql tests/modules/prefs/test_prefs

#!/bin/sh
# Run test_reg_share against a real PostgreSQL started for the test
# (tests/pgsql_server.sh): bindings shared through it, their announcements
# heard by a listener across a restart of the server. Exit 77 (skipped)
# without the server.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run pgsql tests/modules/registrar/test_reg_share

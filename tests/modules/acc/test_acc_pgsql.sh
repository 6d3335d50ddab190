#!/bin/sh
# Run test_acc against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh): the accounting tables of the schema and the
# INSERTs that write them on the shared-database backend. Exit 77 (skipped)
# when the PostgreSQL server binaries are not installed (apt-get install
# postgresql) or, as root, there is no postgres user to run them.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/db_server_run.sh"
db_server_run pgsql tests/modules/acc/test_acc

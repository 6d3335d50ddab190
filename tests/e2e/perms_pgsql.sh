#!/bin/sh
# tests/e2e/perms.sh with the tables in a PostgreSQL server started for
# the test (skipped without the server binaries), and the answers checked
# again once the server is stopped.
E2E_DB=pgsql
export E2E_DB
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/perms.sh"

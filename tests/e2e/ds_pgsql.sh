#!/bin/sh
# tests/e2e/ds.sh with the dispatcher table in a PostgreSQL server started
# for the test (skipped without the server binaries).
E2E_DB=pgsql
export E2E_DB
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/ds.sh"

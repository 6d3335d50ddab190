#!/bin/sh
# tests/e2e/perms.sh with the tables in a PostgreSQL server started for
# the test (skipped without the server binaries), and the answers checked
# again once the server is stopped.
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san: perms.sh
# and the backend tests in tests/runtime/db run that code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (perms.sh and tests/runtime/db run its code under the sanitizers)"
	exit 77
fi
E2E_DB=pgsql
export E2E_DB
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/perms.sh"

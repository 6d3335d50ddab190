#!/bin/sh
# tests/e2e/ds.sh with the dispatcher table in a PostgreSQL server started
# for the test (skipped without the server binaries).
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san: ds.sh
# and the backend tests in tests/runtime/db run that code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (ds.sh and tests/runtime/db run its code under the sanitizers)"
	exit 77
fi
E2E_DB=pgsql
export E2E_DB
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/ds.sh"

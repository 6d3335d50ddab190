#!/bin/sh
# tests/e2e/prefs.sh on a PostgreSQL server started for the test; skipped
# without the server binaries.
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san: prefs.sh
# and the backend tests in tests/runtime/db run that code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (prefs.sh and tests/runtime/db run its code under the sanitizers)"
	exit 77
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
E2E_DB=pgsql exec sh "$top_srcdir/tests/e2e/prefs.sh"

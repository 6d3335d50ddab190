#!/bin/sh
# tests/e2e/provider.sh with every table in a PostgreSQL server started for
# the test (skipped without the server binaries).
E2E_DB=pgsql
export E2E_DB
# scripts/check runs every suite twice, the second time under ASan+UBSan
# (SIPCC_CHECK_PASS=san);
# this one runs in the plain pass only: its runtime code is provider.sh's,
# and the PostgreSQL adapter runs under ASan in the other *_pgsql tests.
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (its runtime code is provider.sh's)"
	exit 77
fi
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/provider.sh"

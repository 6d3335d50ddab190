#!/bin/sh
# tests/e2e/registrar.sh against a real PostgreSQL server started for the
# test (tests/pgsql_server.sh); skipped without the server binaries.
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san: registrar.sh
# and the backend tests in tests/runtime/db run that code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (registrar.sh and tests/runtime/db run its code under the sanitizers)"
	exit 77
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/pgsql_server.sh"
command -v sipp >/dev/null 2>&1 || { echo "SKIP: sipp not found"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-e2e-pg.XXXXXX") || exit 99
trap 'pg_server_stop; rm -rf "$tmp"' EXIT
trap 'exit 99' INT TERM
pg_server_start "$tmp"
rc=$?
[ $rc = 0 ] || exit $rc
E2E_DB_URL=$PG_URL sh "$top_srcdir/tests/e2e/registrar.sh"

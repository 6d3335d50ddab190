#!/bin/sh
# tests/e2e/web.sh against a real PostgreSQL server started for the test
# (tests/pgsql_server.sh), the rows read back with psql; skipped without
# the server binaries, Chromium or puppeteer-core.
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san:
# web.sh runs the same panel code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (web.sh runs the panel under the sanitizers)"
	exit 77
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/pgsql_server.sh"
command -v psql >/dev/null 2>&1 || { echo "SKIP: psql not found"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "SKIP: no Chromium"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-e2e-pg.XXXXXX") || exit 99
trap 'pg_server_stop; rm -rf "$tmp"' EXIT
trap 'exit 99' INT TERM
pg_server_start "$tmp"
rc=$?
[ $rc = 0 ] || exit $rc
WEB_PART=all E2E_DB_URL=$PG_URL E2E_SHOTS=$tmp/shots sh "$top_srcdir/tests/e2e/web.sh"

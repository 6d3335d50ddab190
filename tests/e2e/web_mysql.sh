#!/bin/sh
# tests/e2e/web.sh against a real MariaDB server started for the test
# (tests/mysql_server.sh); skipped without the server, Chromium or
# puppeteer-core. The main part only (the pages of web_ops.sh use the same
# database code).
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san:
# web.sh runs the same panel code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (web.sh runs the panel under the sanitizers)"
	exit 77
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/mysql_server.sh"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "SKIP: no Chromium"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipcc-e2e-my.XXXXXX") || exit 99
trap 'my_server_stop; rm -rf "$tmp"' EXIT
trap 'exit 99' INT TERM
my_server_start "$tmp"
rc=$?
[ $rc = 0 ] || exit $rc
WEB_PART=main MY_CLIENT=$my_client MY_SOCK=$my_sock E2E_DB_URL=$MY_URL E2E_SHOTS=$tmp/shots \
	sh "$top_srcdir/tests/e2e/web.sh"

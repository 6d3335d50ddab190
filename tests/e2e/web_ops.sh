#!/bin/sh
# The second half of the web panel's browser test, on SQLite: web.sh with
# WEB_PART=ops (the setup, then disabling a subscriber, ASR and ACD per
# gateway, the dispatcher beside a policy that uses it, editing gateways,
# rules, trusted addresses and dial-plan rules, the accounts page, and a
# session that survives a restart of the panel). Screenshots in
# tests/e2e/web-screenshots/ops of the build tree.
# scripts/check runs it in the plain pass only (SIPCC_CHECK_PASS=san: web.sh
# runs the panel, its sessions and its database code under the sanitizers).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (web.sh runs the panel under the sanitizers)"
	exit 77
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
WEB_PART=ops exec sh "$top_srcdir/tests/e2e/web.sh"

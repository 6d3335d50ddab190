#!/bin/sh
# examples/residential.yaml must do what examples/residential.sip does:
# residential.sh runs the same checks and sipp scenarios against the proxy
# compiled from the YAML form and expects the same results.
E2E_POLICY=examples/residential.yaml
export E2E_POLICY
# scripts/check runs every suite twice, the second time under ASan+UBSan
# (SIPCC_CHECK_PASS=san);
# this one runs in the plain pass only: the runtime code it runs is
# residential.sh's (the YAML front end is compile-time only, checked by
# the plain pass).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (the runtime code it runs is residential.sh's)"
	exit 77
fi
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential.sh"

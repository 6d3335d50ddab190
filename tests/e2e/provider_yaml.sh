#!/bin/sh
# tests/e2e/provider.sh, every check and scenario, against the proxy
# compiled from the YAML form of the provider, examples/provider.yaml.
E2E_POLICY=examples/provider.yaml
export E2E_POLICY
# scripts/check runs every suite twice, the second time under ASan+UBSan
# (SIPCC_CHECK_PASS=san);
# this one runs in the plain pass only: the runtime code it runs is
# provider.sh's (the YAML front end is compile-time only, checked by the
# plain pass).
if [ "${SIPCC_CHECK_PASS:-}" = san ]; then
	echo "SKIP: plain pass only (the runtime code it runs is provider.sh's)"
	exit 77
fi
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/provider.sh"

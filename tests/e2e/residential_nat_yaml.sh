#!/bin/sh
# tests/e2e/residential_nat.sh against examples/residential.yaml, whose NAT
# handling is the routes of examples/include/residential_nat.sip: the same
# phones behind NATs, the same checks.
E2E_POLICY=examples/residential.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential_nat.sh"

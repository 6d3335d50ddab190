#!/bin/sh
# tests/e2e/residential_nat.sh against examples/residential.yaml, whose NAT
# handling and media relay are YAML keys (nat_uac_test, fix_nated,
# rtpengine_offer/answer/delete, a reply route): the same phones behind
# NATs, the same checks.
E2E_POLICY=examples/residential.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential_nat.sh"

#!/bin/sh
# The dynamic routing checks of drouting.sh (longest prefix, rewrite,
# failover to the second gateway after a 503, 404 without a rule) against
# the proxy compiled from the YAML form, tests/e2e/drouting.yaml, whose
# action 'gateway_group' lowers to do_routing() and a failover route.
E2E_POLICY=tests/e2e/drouting.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/drouting.sh"

#!/bin/sh
# examples/residential.yaml must do what examples/residential.sip does:
# residential.sh runs the same checks and sipp scenarios against the proxy
# compiled from the YAML form and expects the same results.
E2E_POLICY=examples/residential.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential.sh"

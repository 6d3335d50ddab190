#!/bin/sh
# examples/residential.yaml must route exactly as examples/residential.sip:
# the same checks, run against the proxy compiled from the YAML form.
E2E_POLICY=examples/residential.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential.sh"

#!/bin/sh
# examples/residential.yaml must do what examples/residential.sip does:
# the same checks, run against the proxy compiled from the YAML form,
# except those of what the rules cannot say (residential.sh, E2E_FULL).
E2E_POLICY=examples/residential.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/residential.sh"

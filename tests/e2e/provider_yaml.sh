#!/bin/sh
# tests/e2e/provider.sh, every check and scenario, against the proxy
# compiled from the YAML form of the provider, examples/provider.yaml.
E2E_POLICY=examples/provider.yaml
export E2E_POLICY
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/provider.sh"

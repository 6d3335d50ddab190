#!/bin/sh
# tests/e2e/cluster_location.sh with PostgreSQL as the only shared store
# (its location table, LISTEN/NOTIFY), started for the test
# (tests/pgsql_server.sh); skipped without the server binaries.
CLUSTER_STORE=pgsql
export CLUSTER_STORE
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
exec sh "$top_srcdir/tests/e2e/cluster_location.sh"

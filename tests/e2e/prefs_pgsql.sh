#!/bin/sh
# tests/e2e/prefs.sh on a PostgreSQL server started for the test; skipped
# without the server binaries.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
E2E_DB=pgsql exec sh "$top_srcdir/tests/e2e/prefs.sh"

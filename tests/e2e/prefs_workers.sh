#!/bin/sh
# tests/e2e/prefs.sh with two workers: its tables (cached once, read by every
# worker without a lock) give every worker the same answers, before and
# after each change, whichever worker the Call-ID of a request picks.
E2E_WORKERS=2
export E2E_WORKERS
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/prefs.sh"

#!/bin/sh
# Credentials are read on the database worker only, never with the event
# loop's handle. The proxy runs without a worker (as an unprivileged user
# with RLIMIT_NPROC 1, so its worker thread cannot start) on a SQLite
# database another process holds locked (BEGIN EXCLUSIVE): a REGISTER whose
# credentials are not cached gets 503 with Retry-After at once. A query on
# the loop's handle would wait SQLite's busy timeout (2 s) with the loop
# stalled, then find no row and challenge again (401).
# Skipped when not run as root (setpriv) or without prlimit/setpriv.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
[ "$(id -u)" = 0 ] || e2e_skip "needs root to run the proxy as another user"
command -v prlimit >/dev/null 2>&1 || e2e_skip "prlimit not found (util-linux)"
command -v setpriv >/dev/null 2>&1 || e2e_skip "setpriv not found (util-linux)"
e2e_ctl_init
e2e_subscribers alice
chmod 0777 "$E2E_TMP"
chmod 0666 "$E2E_TMP/sipcc.db"

e2e_ports PROXY UAC CONTACT
e2e_build tests/e2e/auth_noworker.sip
cat >"$E2E_TMP/proxy-nobody" <<EOS
#!/bin/sh
exec prlimit --nproc=1:1 setpriv --reuid=65534 --regid=65534 --clear-groups "$E2E_PROXY" "\$@"
EOS
chmod 0755 "$E2E_TMP/proxy-nobody"
E2E_PROXY=$E2E_TMP/proxy-nobody
# One event loop: a second could not start its thread either (the auth
# module would otherwise get one per CPU).
e2e_start_proxy "$PROXY" --db "$DB" --workers 1
e2e_wait_log "no worker thread" 5 "the proxy started its database worker: the test needs it not to"

python3 - "$E2E_TMP/sipcc.db" "$E2E_TMP/locked" <<'EOS' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(20)
EOS
LOCKER=$!
e2e_track "$LOCKER"
i=0
until [ -e "$E2E_TMP/locked" ]; do
	[ $i -ge 50 ] && e2e_fail "the database was not locked in 5 s"
	sleep 0.1; i=$((i + 1))
done

t0=$(date +%s%3N)
e2e_sipp_run alice -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key contact_port "$CONTACT" -m 1 -timeout 15s -timeout_error
t=$(( $(date +%s%3N) - t0 ))
e2e_expect_calls alice 1
e2e_log "alice's REGISTER got 503 after $t ms"
[ "$t" -lt 1500 ] || e2e_fail "alice's REGISTER took $t ms: the loop waited for the database"
grep -q "auth: no database worker" "$E2E_TMP/proxy.log" || e2e_fail "no error about the missing worker"
e2e_expect_proxy_alive

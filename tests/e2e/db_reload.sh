#!/bin/sh
# Tables without a reload command of their own (the group table here) are
# reloaded by SIGHUP and by "sipcc-ctl --ctl SOCK db reload"
# (tests/e2e/db_reload.sip turns the timed reloads and the polling of the
# change serials off); tables with one of their own (the dial plans: "dp
# reload") are left to it, so SIGHUP loads each table once:
#  1. a membership written while the proxy runs is not seen (nothing
#     reloads by itself here), then is after SIGHUP;
#  2. a removed membership is gone after "db reload", which answers once
#     the new copy is in use.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ctl_init
SOCK=$E2E_TMP/sipcc.ctl
PEER="python3 $E2E_SRC/sip_peer.py"
e2e_subscribers alice
e2e_ports PROXY
e2e_build tests/e2e/db_reload.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"

FROM=--from=sip:alice@voip.example.com
$PEER "$PROXY" OPTIONS sip:x@voip.example.com "$FROM" --expect 403 >"$E2E_TMP/p1.out" ||
	e2e_fail "alice is a VIP already: $(cat "$E2E_TMP/p1.out")"
ctl group add alice@voip.example.com vip
sleep 1.5
$PEER "$PROXY" OPTIONS sip:x@voip.example.com "$FROM" --expect 403 >"$E2E_TMP/p2.out" ||
	e2e_fail "the group table was reloaded by itself: $(cat "$E2E_TMP/p2.out")"
kill -HUP "$PROXY_PID"
e2e_wait_log "SIGHUP: db reload: {\"ok\":true,\"reloaded\":1}" 5 "SIGHUP did not reload the group table (alone)"
e2e_wait_log "SIGHUP: dp reload: " 5 "SIGHUP did not run dp reload"
$PEER "$PROXY" OPTIONS sip:x@voip.example.com "$FROM" --expect 200 >"$E2E_TMP/p3.out" ||
	e2e_fail "alice is not a VIP after SIGHUP: $(cat "$E2E_TMP/p3.out")"
ctl group rm alice@voip.example.com vip
"$CTL" --ctl "$SOCK" db reload >"$E2E_TMP/reload.json" 2>&1 ||
	e2e_fail "db reload failed: $(cat "$E2E_TMP/reload.json")"
$PEER "$PROXY" OPTIONS sip:x@voip.example.com "$FROM" --expect 403 >"$E2E_TMP/p4.out" ||
	e2e_fail "alice is still a VIP after db reload: $(cat "$E2E_TMP/p4.out")"
e2e_expect_proxy_alive

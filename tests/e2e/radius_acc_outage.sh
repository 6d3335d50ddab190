#!/bin/sh
# The bound on the accounting records that wait for a RADIUS server, with
# tests/e2e/radius_acc.sip and radius.queue_max = 2: FreeRADIUS is not
# running yet when 6 MESSAGEs are accounted with acc_rad_request(). At
# most 3 records wait (2 queued, 1 out on the thread), the others are
# dropped: counted in radius.acct_dropped, logged. Once FreeRADIUS runs,
# every record kept reaches its detail file (radius.acct_sent), and what
# was kept plus what was dropped is all 6.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/radius_server.sh"

e2e_init
radius_server_setup "$E2E_TMP/radius" >"$E2E_TMP/radius_setup.out" 2>&1
case $? in
0) ;;
77) e2e_skip "$(cat "$E2E_TMP/radius_setup.out")" ;;
*) e2e_error "cannot set FreeRADIUS up: $(cat "$E2E_TMP/radius_setup.out")" ;;
esac
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_ports PROXY UAC RAUTH RACCT
DETAIL=$E2E_TMP/radius/a/acct/detail
SOCK=$E2E_TMP/sipcc.ctl

sed -e "s|127.0.0.1:1813, 127.0.0.1:1823|127.0.0.1:$RACCT|" \
    -e "s|/usr/share/sipcc/radius/dictionary|$top_srcdir/modules/radius/dictionary|" \
    -e "s|retries = 0;|retries = 0;\n    queue_max = 2;|" \
    "$top_srcdir/tests/e2e/radius_acc.sip" >"$E2E_TMP/radius_acc.sip"
grep -q "queue_max = 2" "$E2E_TMP/radius_acc.sip" || e2e_error "cannot make the policy"
e2e_build "$E2E_TMP/radius_acc.sip"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"

# getstat NAME: one statistic, read through the control socket.
getstat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl stats failed: $(cat "$E2E_TMP/ctl.err")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/ctl.json" "$1"
}

python3 - "$PROXY" "$UAC" <<'PY' || e2e_fail "the MESSAGEs were not answered 202"
import socket, sys
proxy, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(10)
for n in range(1, 7):
    msg = ("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-rad-out-%d\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=o%d\r\n"
           "To: <sip:bob@127.0.0.1>\r\nCall-ID: rad-out-%d@test\r\nCSeq: 1 MESSAGE\r\n"
           "Content-Length: 0\r\n\r\n") % (port, n, n, n)
    s.sendto(msg.encode(), ("127.0.0.1", proxy))
    data, _ = s.recvfrom(65535)
    if not data.startswith(b"SIP/2.0 202"):
        sys.exit(1)
PY
dropped=$(getstat radius.acct_dropped)
[ "$dropped" -ge 3 ] && [ "$dropped" -le 4 ] ||
	e2e_fail "radius.acct_dropped is $dropped, expected 3 or 4 (6 records, 2 queued, 1 out)"
e2e_wait_log "accounting records dropped so far (radius.queue_max = 2)" 10 \
	"the drop was not logged"

radius_server_start a "$RAUTH" "$RACCT" || e2e_error "FreeRADIUS did not start"
i=0
until [ "$(getstat radius.acct_queued)" = 0 ] && [ "$(getstat radius.acct_sent)" = $((6 - dropped)) ]; do
	[ $i -ge 150 ] && e2e_fail "radius.acct_sent is $(getstat radius.acct_sent), \
radius.acct_queued $(getstat radius.acct_queued): expected $((6 - dropped)) sent"
	sleep 0.1; i=$((i + 1))
done
n=$(grep -c 'Acct-Session-Id = "rad-out-' "$DETAIL")
[ "$n" = $((6 - dropped)) ] || e2e_fail "$n records in FreeRADIUS, expected $((6 - dropped))"
# The first one was kept: the records that came later were dropped.
grep -q 'Acct-Session-Id = "rad-out-1@test"' "$DETAIL" || e2e_fail "the first record was lost"
e2e_expect_proxy_alive
exit 0

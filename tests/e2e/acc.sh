#!/bin/sh
# Accounting through sipp, with tests/e2e/acc.sip, on the database
# $E2E_DB_URL (default: a new SQLite file, read back with sqlite3):
#  1. 3 calls answered and hung up by the caller after 2 s (sipp -d 2000):
#     3 CDRs in acc_cdrs with the calls' Call-IDs, a duration close to
#     2000 ms, ended by a BYE of the caller; 3 rows in acc with code 200.
#  2. 2 calls the callee rejects with 486: 2 rows in missed_calls and 2
#     in acc with code 486 and the reason, no CDR; the failure route's
#     acc_log_request() logs each with code 486.
#  3. sipcc-ctl cdr show, acc show and acc missed print the last rows.
#  4. a call the proxy rejects itself with t_reply(486) after
#     do_accounting(): a row in missed_calls and one in acc.
#  5. the same through a proxy with one worker (worker 0's records,
#     where the other workers' go at their worker_stop), stopped (SIGTERM)
#     as soon as the 486 is back: the records waiting for their batch
#     (at most 50 ms) are written before it exits.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
DB=${E2E_DB_URL:-sqlite:$E2E_TMP/acc.db}
case $DB in
sqlite:*) command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found" ;;
esac
# q SQL: one query on the database, rows as "a|b|c" lines.
q() {
	case $DB in
	sqlite:*) sqlite3 "${DB#sqlite:}" "$1" ;;
	postgres*) psql -X -A -t -q -d "$DB" -c "$1" ;;
	*) e2e_error "no client for $DB" ;;
	esac
}
# wait_rows TABLE N: the writer thread has put N rows in TABLE (5 s).
wait_rows() {
	i=0
	until [ "$(q "SELECT count(*) FROM $1" 2>/dev/null)" = "$2" ]; do
		[ $i -ge 50 ] && e2e_fail "$1 has $(q "SELECT count(*) FROM $1") rows, expected $2"
		sleep 0.1; i=$((i + 1))
	done
}
e2e_build tests/e2e/acc.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB"

# 1.
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 3 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'acc-ok-%u@test' \
	-i 127.0.0.1 -p "$UAC" -m 3 -r 10 -d 2000 -timeout 30s -timeout_error
e2e_expect_calls uac 3
e2e_sipp_wait uas
e2e_expect_calls uas 3
wait_rows acc_cdrs 3
got=$(q "SELECT callid FROM acc_cdrs ORDER BY callid" | tr '\n' ' ')
[ "$got" = "acc-ok-1@test acc-ok-2@test acc-ok-3@test " ] ||
	e2e_fail "CDRs for Call-IDs '$got', expected acc-ok-1..3@test"
q "SELECT callid, duration_ms, end_reason, hangup_by, caller, callee, end_time - start_time,
	length(from_tag), length(to_tag) FROM acc_cdrs" >"$E2E_TMP/cdrs.txt"
e2e_log "CDRs: $(tr '\n' ' ' <"$E2E_TMP/cdrs.txt")"
while IFS='|' read -r cid ms reason by caller callee secs ftag ttag; do
	[ "$ms" -ge 1900 ] && [ "$ms" -le 4000 ] ||
		e2e_fail "$cid: duration $ms ms, expected about 2000 (sipp -d 2000)"
	[ "$reason" = bye ] || e2e_fail "$cid: end reason '$reason', expected bye"
	[ "$by" = caller ] || e2e_fail "$cid: hung up by '$by', expected caller"
	case $caller in sip:sipp@127.0.0.1*) ;; *) e2e_fail "$cid: caller '$caller'" ;; esac
	case $callee in sip:service@127.0.0.1*) ;; *) e2e_fail "$cid: callee '$callee'" ;; esac
	[ "$secs" -ge 1 ] && [ "$secs" -le 4 ] || e2e_fail "$cid: end - start = $secs s"
	[ "$ftag" -gt 0 ] && [ "$ttag" -gt 0 ] || e2e_fail "$cid: a tag is missing"
done <"$E2E_TMP/cdrs.txt"
wait_rows acc 3
got=$(q "SELECT DISTINCT method, sip_code, sip_reason, src_ip, from_user, ruri_user,
	CASE WHEN to_tag = '' THEN 'no tag' ELSE 'tag' END FROM acc WHERE callid LIKE 'acc-ok-%'")
[ "$got" = "INVITE|200|OK|127.0.0.1|sipp|service|tag" ] ||
	e2e_fail "acc rows of the answered calls: '$got'"
n=$(q "SELECT count(*) FROM missed_calls")
[ "$n" = 0 ] || e2e_fail "$n missed calls after the answered ones"
n=$(grep -c "ACC: transaction: method=BYE.*reason=call ended" "$E2E_TMP/proxy.log")
[ "$n" = 3 ] || e2e_fail "$n BYEs logged by acc_log_request, expected 3"

# 2.
e2e_sipp rej_uas -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 30s
e2e_wait_sipp_up rej_uas "$UAS"
e2e_sipp_run rej_uac -sf "$E2E_SRC/uac_reject.xml" "127.0.0.1:$PROXY" \
	-cid_str 'acc-busy-%u@test' -i 127.0.0.1 -p "$UAC" -m 2 -r 10 -timeout 30s -timeout_error
e2e_expect_calls rej_uac 2
e2e_sipp_wait rej_uas
e2e_expect_calls rej_uas 2
wait_rows missed_calls 2
got=$(q "SELECT callid, method, sip_code, sip_reason FROM missed_calls ORDER BY callid" |
	tr '\n' ' ')
[ "$got" = "acc-busy-1@test|INVITE|486|Busy Here acc-busy-2@test|INVITE|486|Busy Here " ] ||
	e2e_fail "missed_calls: '$got'"
wait_rows acc 5
n=$(q "SELECT count(*) FROM acc WHERE callid LIKE 'acc-busy-%' AND sip_code = 486
	AND to_tag <> ''")
[ "$n" = 2 ] || e2e_fail "$n acc rows with 486 for the rejected calls, expected 2"
n=$(q "SELECT count(*) FROM acc_cdrs")
[ "$n" = 3 ] || e2e_fail "$n CDRs after the rejected calls, expected 3 (none for them)"
n=$(grep -c "ACC: transaction: method=INVITE.*callid=acc-busy-[12]@test code=486 reason=missed call" \
	"$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "$n missed calls logged by the failure route, expected 2"

# 3.
"$CTL" --db "$DB" cdr show 2 >"$E2E_TMP/cdr.out" 2>&1 || e2e_fail "sipcc-ctl cdr show failed"
n=$(grep -c ' 2\.[0-9][0-9][0-9]s acc-ok-[23]@test sip:sipp@127.0.0.1:[0-9]* -> sip:service@127.0.0.1:[0-9]* bye by caller$' \
	"$E2E_TMP/cdr.out")
[ "$n" = 2 ] && [ "$(wc -l <"$E2E_TMP/cdr.out")" = 2 ] ||
	e2e_fail "sipcc-ctl cdr show 2: $(cat "$E2E_TMP/cdr.out")"
"$CTL" --db "$DB" acc missed >"$E2E_TMP/missed.out" 2>&1 || e2e_fail "sipcc-ctl acc missed failed"
n=$(grep -c ' INVITE 486 Busy Here acc-busy-[12]@test sipp@127.0.0.1 -> service@127.0.0.1 from 127.0.0.1$' \
	"$E2E_TMP/missed.out")
[ "$n" = 2 ] || e2e_fail "sipcc-ctl acc missed: $(cat "$E2E_TMP/missed.out")"
"$CTL" --db "$DB" acc show 100 >"$E2E_TMP/acc.out" 2>&1 || e2e_fail "sipcc-ctl acc show failed"
[ "$(wc -l <"$E2E_TMP/acc.out")" = 5 ] || e2e_fail "sipcc-ctl acc show: $(cat "$E2E_TMP/acc.out")"
"$CTL" --db "$DB" cdr show 0 >/dev/null 2>&1 && e2e_fail "sipcc-ctl cdr show 0 succeeded"

# 4.
python3 "$E2E_SRC/sip_peer.py" "$PROXY" INVITE "sip:service@127.0.0.1:$PROXY" \
	--header "X-Busy: 1" --expect 486 >"$E2E_TMP/busy.out" 2>&1 ||
	e2e_fail "INVITE with X-Busy: $(cat "$E2E_TMP/busy.out")"
wait_rows missed_calls 3
got=$(q "SELECT method, sip_code, sip_reason FROM missed_calls WHERE callid LIKE '%@sip_peer'")
[ "$got" = "INVITE|486|Busy Here" ] || e2e_fail "missed_calls row of the call t_reply rejected: '$got'"
wait_rows acc 6
e2e_expect_proxy_alive

# 5.
e2e_kill "$PROXY_PID"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB" --workers 1
# The INVITE, and SIGTERM to the proxy the moment its 486 is read (one
# process: no start-up time between them).
python3 - "$PROXY" "$PROXY_PID" >"$E2E_TMP/busy2.out" 2>&1 <<'PY' ||
import os, signal, socket, sys
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(5)
me = s.getsockname()[1]
s.sendto(("INVITE sip:service@127.0.0.1:%d SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-acc-stop;rport\r\n"
          "From: <sip:test@127.0.0.1>;tag=acc-stop\r\n"
          "To: <sip:service@127.0.0.1:%d>\r\n"
          "Call-ID: acc-stop@sip_peer\r\nCSeq: 1 INVITE\r\n"
          "Contact: <sip:test@127.0.0.1:%d>\r\nMax-Forwards: 70\r\n"
          "X-Busy: 1\r\nContent-Length: 0\r\n\r\n"
          % (port, me, port, me)).encode(), ("127.0.0.1", port))
while True:
    line = s.recv(65535).decode(errors="replace").split("\r\n", 1)[0]
    if not line.startswith("SIP/2.0 1"):
        break
os.kill(pid, signal.SIGTERM)
print(line)
sys.exit(0 if line.startswith("SIP/2.0 486") else 1)
PY
	e2e_fail "INVITE with X-Busy: $(cat "$E2E_TMP/busy2.out")"
e2e_kill "$PROXY_PID"
[ "$(q "SELECT count(*) FROM missed_calls")" = 4 ] && [ "$(q "SELECT count(*) FROM acc")" = 7 ] ||
	e2e_fail "records of the last call lost at shutdown: $(q "SELECT count(*) FROM missed_calls")" \
		"missed calls, $(q "SELECT count(*) FROM acc") acc rows (expected 4 and 7)"
exit 0

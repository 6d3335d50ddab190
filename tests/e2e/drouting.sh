#!/bin/sh
# Dynamic routing to PSTN gateways through a compiled proxy (the policy
# tests/e2e/drouting.sip, or $E2E_POLICY: drouting_yaml.sh runs the YAML
# form), with two sipp UAS playing the gateways and the tables made by
# sipcc-ctl in a new SQLite database:
#   gateway 1: strip 2 digits, prefix 00;  gateway 2: prefix +
#   group 1: 49 -> 1,2   4930 -> 2   (nothing for other numbers)
#  - a call to 4989123 takes the rule 49 and reaches gateway 1 as
#    0089123; one to 4930123 takes the longer 4930 and reaches gateway 2
#    as +4930123 (each UAS checks the request-URI with a regexp);
#  - when gateway 1 answers 503, the failure route's use_next_gw() sends
#    the call to gateway 2, as +4989555, and the caller gets its 200;
#  - a number no rule covers gets 404; after "sipcc-ctl rule add" for it
#    the running proxy routes it (the tables are reloaded every 10 s);
#  - a rule 44 -> 1,2,3 added later: gateways 1 and 2 answer 503, the
#    failure route's use_next_gw() runs twice and gateway 3 (strip 1,
#    prefix 9) gets 94123, from the number as dialled; the failure route
#    sees gateway 3's id, address and attributes;
#  - sipcc-ctl refuses bad input.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
# ctl_refused WHAT ARGS...: sipcc-ctl must exit 1 with a message containing WHAT.
ctl_refused() {
	what=$1; shift
	"$CTL" --db "$DB" "$@" >"$E2E_TMP/ctl.err" 2>&1 && e2e_fail "sipcc-ctl $* accepted bad input"
	grep -q -- "$what" "$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl $*: expected '$what', got: $(cat "$E2E_TMP/ctl.err")"
}

e2e_ports GW1 GW2 GW3 PROXY UAC
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW1" strip=2 prefix=00 attrs=carrier-a
ctl gw add 2 "127.0.0.1:$GW2" prefix=+
ctl rule add 1 49 1,2
ctl rule add 1 4930 2 priority=1
ctl_refused "no gateway 7" rule add 1 33 1,7
ctl_refused "bad gateway list" rule add 1 33 "1,,2"
ctl_refused "no user part" gw add 3 "sip:4930@127.0.0.1"
ctl_refused "exists already" gw add 1 "sip:127.0.0.1:5060"
ctl_refused "used by rule" gw rm 2
ctl_refused "bad prefix" rule add 1 49a 1
"$CTL" --db "$DB" gw list >"$E2E_TMP/gw.list" || e2e_fail "gw list failed"
grep -q "^2 sip:127.0.0.1:$GW2 strip=0 prefix=+$" "$E2E_TMP/gw.list" ||
	e2e_fail "gw list: $(cat "$E2E_TMP/gw.list")"

e2e_build "${E2E_POLICY:-tests/e2e/drouting.sip}"
e2e_start_proxy "$PROXY" --db "$DB" --log-level info

# gateway NAME PORT RURI-REGEXP ANSWER CALLS: start a gateway UAS.
gateway() {
	sed -e "s|@RURI@|$3|" -e "/@ANSWER@/r $E2E_SRC/dr_answer_$4.xml" -e "/@ANSWER@/d" \
		"$E2E_SRC/dr_uas.xml" >"$E2E_TMP/$1.xml"
	e2e_sipp "$1" -sf "$E2E_TMP/$1.xml" -i 127.0.0.1 -p "$2" -m "$5" -timeout 30s
	e2e_wait_sipp_up "$1" "$2"
}
# call NAME NUMBER CALLS: calls to NUMBER through the proxy, each must succeed.
call() {
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s "$2" \
		-i 127.0.0.1 -p "$UAC" -m "$3" -r 10 -timeout 20s -timeout_error
	e2e_expect_calls "$1" "$3"
}

# The longest prefix decides; each gateway rewrites the number its way.
gateway gw1 "$GW1" "sip:0089123@127[.]0[.]0[.]1:$GW1" 200 2
gateway gw2 "$GW2" "sip:[+]4930123@127[.]0[.]0[.]1:$GW2" 200 2
call uac_49 4989123 2
call uac_4930 4930123 2
e2e_sipp_wait gw1
e2e_expect_calls gw1 2
e2e_sipp_wait gw2
e2e_expect_calls gw2 2

# Gateway 1 is out of service: the failure route moves to gateway 2.
gateway gw1_down "$GW1" "sip:0089555@127[.]0[.]0[.]1:$GW1" 503 2
gateway gw2_backup "$GW2" "sip:[+]4989555@127[.]0[.]0[.]1:$GW2" 200 2
call uac_failover 4989555 2
e2e_sipp_wait gw1_down
e2e_expect_calls gw1_down 2
e2e_sipp_wait gw2_backup
e2e_expect_calls gw2_backup 2

# No rule for 33...: 404 from the proxy, nothing reaches a gateway. A
# request with an X-Blocked header (any case) gets 403 before routing.
python3 - "$PROXY" >"$E2E_TMP/noroute.out" 2>&1 <<'PY' || e2e_fail "no-route check: $(cat "$E2E_TMP/noroute.out")"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(3)
port = s.getsockname()[1]
def first_reply(number, callid, extra=""):
    msg = ("INVITE sip:%s@127.0.0.1:%s SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:test@127.0.0.1>;tag=1\r\n"
           "To: <sip:%s@127.0.0.1>\r\nCall-ID: %s@test\r\n"
           "CSeq: 1 INVITE\r\nContact: <sip:test@127.0.0.1:%d>\r\n%s"
           "Content-Length: 0\r\n\r\n") % (number, sys.argv[1], port, callid, number, callid,
                                           port, extra)
    s.sendto(msg.encode(), ("127.0.0.1", int(sys.argv[1])))
    first = s.recv(65535).decode("latin-1").split("\r\n", 1)[0]
    print(number, extra.strip(), "->", first)
    return first
ok = first_reply("3312345", "noroute").startswith("SIP/2.0 404 ")
ok &= first_reply("4989123", "blocked", "x-blocked: 1\r\n").startswith("SIP/2.0 403 Blocked")
sys.exit(0 if ok else 1)
PY

# A rule added while the proxy runs takes effect at the next reload (every
# 10 s), without a restart: 33... now goes to gateway 2.
ctl rule add 1 33 2
e2e_wait_log "drouting: 2 gateways, 3 rules" 15 "the proxy did not reload the rule table within 15 s"
gateway gw2_new_rule "$GW2" "sip:[+]3312345@127[.]0[.]0[.]1:$GW2" 200 1
call uac_new_rule 3312345 1
e2e_sipp_wait gw2_new_rule
e2e_expect_calls gw2_new_rule 1

# Three gateways for 44...: the first two fail with 503, the failure route
# moves on twice, each time from the number as dialled.
ctl gw add 3 "sip:127.0.0.1:$GW3" strip=1 prefix=9 attrs=carrier-c
ctl rule add 1 44 1,2,3
e2e_wait_log "drouting: 3 gateways, 4 rules" 15 "the proxy did not reload the tables within 15 s"
gateway gw1_44 "$GW1" "sip:00123@127[.]0[.]0[.]1:$GW1" 503 1
gateway gw2_44 "$GW2" "sip:[+]44123@127[.]0[.]0[.]1:$GW2" 503 1
gateway gw3_44 "$GW3" "sip:94123@127[.]0[.]0[.]1:$GW3" 200 1
call uac_three 44123 1
for g in gw1_44 gw2_44 gw3_44; do
	e2e_sipp_wait $g
	e2e_expect_calls $g 1
done
case ${E2E_POLICY:-.sip} in
*.sip) grep -q "third gateway sip:127.0.0.1:$GW3 (carrier-c)" "$E2E_TMP/proxy.log" ||
	e2e_fail "the failure route does not see gateway 3 (\$dr_gw_id, \$dr_gw_uri, \$dr_gw_attrs)" ;;
esac

# drouting.sip logs the chosen gateway's address and attributes.
case ${E2E_POLICY:-.sip} in
*.sip) grep -q "via sip:127.0.0.1:$GW1 (carrier-a)" "$E2E_TMP/proxy.log" ||
	e2e_fail "the chosen gateway's attributes are not in the log (\$dr_gw_attrs)" ;;
esac
e2e_expect_proxy_alive

#!/bin/sh
# What examples/residential.sip does (and examples/residential.yaml:
# residential_yaml.sh runs this same script, every check and scenario
# below, against the proxy compiled from the YAML form, expecting the same
# results), through a compiled proxy with subscribers made by sipcc-ctl in
# a new SQLite database. First phones played by a python script that
# answers the digest challenges itself:
#  - REGISTER gets 401, then 200 with the right password; the Expires the
#    phone asks for is capped by the policy's "use registrar
#    { max_expires = 3600; }"; a wrong password gets 401 again.
#  - An INVITE from a subscriber gets 407, then is relayed, record-routed,
#    to the contact the callee registered; one to a subscriber without a
#    registration gets 404; one from another provider needs no
#    authentication.
#  - A call to a telephone number gets 407 and reaches nothing without
#    credentials, and reaches the PSTN gateway with them.
#  - Requests for foreign domains get 403, looping requests 483.
#  - A subscriber may not register or call as someone else (403), an
#    alias reaches its subscriber, and the credentials are not relayed.
# Then the sipp scenarios of SCENARIOS: carol registers with digest
# authentication (sipp, reg_auth.xml); alice calls carol (uac_auth.xml,
# 407 then the call to carol's sipp UAS, ACK and BYE on the route set);
# alice calls a telephone number, which reaches the PSTN gateway (a sipp
# UAS that checks the request-URI). Both calls have a CDR in acc_cdrs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ctl_init
e2e_subscribers alice bob carol
ctl alias add 4921100@voip.example.com bob@voip.example.com

POLICY=${E2E_POLICY:-examples/residential.sip}
FULL=1
e2e_ports GW PROXY UAC CAROL
e2e_build "$POLICY" -D "PSTN_GATEWAY=sip:127.0.0.1:$GW"
e2e_start_proxy "$PROXY" --db "$DB"

python3 - "$PROXY" "$GW" "$FULL" "$E2E_SRC" >"$E2E_TMP/residential.out" 2>&1 <<'PY' ||
import re, sys
sys.path.insert(0, sys.argv[4])
import sip_phone as sp
from sip_phone import Request, addr, check, codes, drain, header, nowhere

full = sys.argv[3] == "1"
DOMAIN = "voip.example.com"
sp.setup(sys.argv[1], DOMAIN,
         {"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret"})
proxy = sp.proxy
gateway = sp.bound(int(sys.argv[2]))
alice, bob = sp.bound(), sp.bound()   # the subscribers' phones

# ---- registration ----
reg = Request("REGISTER", "sip:" + DOMAIN, bob, "bob@" + DOMAIN, to="sip:bob@" + DOMAIN,
              extra="Expires: 7200\r\n")
rs = reg.authenticate("REGISTER", 401)
ok = [r for r in rs if r.startswith("SIP/2.0 200 ")]
check("REGISTER with credentials: 200", bool(ok), "got %r" % codes(rs))
if ok:
    c = header(ok[0], "Contact") or ""
    check("REGISTER: binding listed", ("@%s>" % addr(bob)) in c, "Contact: %r" % c)
    m = re.search(r"expires=(\d+)", c)
    check("REGISTER: Expires 7200 capped to max_expires 3600",
          m is not None and 3590 <= int(m.group(1)) <= 3600, "Contact: %r" % c)
wrong = Request("REGISTER", "sip:" + DOMAIN, alice, "alice@" + DOMAIN,
                to="sip:alice@" + DOMAIN)
rs = wrong.authenticate("REGISTER, wrong password", 401, password="not-alices")
check("REGISTER, wrong password: 401 again", 401 in codes(rs) and 200 not in codes(rs),
      "got %r" % codes(rs))
reg_a = Request("REGISTER", "sip:" + DOMAIN, alice, "alice@" + DOMAIN, to="sip:alice@" + DOMAIN)
rs = reg_a.authenticate("REGISTER alice", 401)
check("REGISTER alice: 200", 200 in codes(rs), "got %r" % codes(rs))
if full:
    steal = Request("REGISTER", "sip:" + DOMAIN, alice, "alice@" + DOMAIN,
                    to="sip:carol@" + DOMAIN)
    rs = steal.authenticate("REGISTER of someone else's address", 401)
    check("REGISTER of someone else's address: 403", 403 in codes(rs), "got %r" % codes(rs))

# ---- calls between subscribers ----
def call_reaches(name, req, where, others, code=407):
    rs = req.authenticate(name, code) if code else (req.send() or req.replies(0.5))
    got = [m for m in req.mine(drain(where, 1.0)) if m.startswith("INVITE ")]
    check(name + ": reaches its destination", bool(got),
          "replies %r, nothing arrived" % codes(rs))
    if got:
        check(name + ": record-routed", "\r\nRecord-Route:" in got[0], got[0][:300])
        if full:
            check(name + ": credentials not relayed", "Proxy-Authorization" not in got[0],
                  got[0][:400])
    nowhere(name + " elsewhere", req, others)
    return got

got = call_reaches("call alice -> bob",
                   Request("INVITE", "sip:bob@" + DOMAIN, alice, "alice@" + DOMAIN), bob, [gateway])
if got:
    check("call alice -> bob: sent to bob's contact",
          got[0].startswith("INVITE sip:bob@%s " % addr(bob)), got[0][:80])
req = Request("INVITE", "sip:carol@" + DOMAIN, alice, "alice@" + DOMAIN)
rs = req.authenticate("call to carol (not registered)", 407)
check("call to carol (not registered): 404", 404 in codes(rs), "got %r" % codes(rs))
nowhere("call to carol", req, [bob, gateway])
call_reaches("call from another provider to bob",
             Request("INVITE", "sip:bob@" + DOMAIN, alice, "someone@example.org"), bob, [gateway],
             code=None)
if full:
    call_reaches("call to bob's number (alias)",
                 Request("INVITE", "sip:4921100@" + DOMAIN, alice, "alice@" + DOMAIN), bob,
                 [gateway])
    spoof = Request("INVITE", "sip:bob@" + DOMAIN, alice, "carol@" + DOMAIN)
    spoof.send()
    ch = [r for r in spoof.replies() if r.startswith("SIP/2.0 407 ")]
    if ch:   # alice answers a challenge for a call that claims to be carol's
        spoof.send(auth=spoof.credentials(ch[0], "alice-secret", "Proxy-Authenticate", "alice"))
    rs = spoof.replies()
    check("call as someone else: 403", 403 in codes(rs), "got %r" % codes(rs))
    nowhere("call as someone else", spoof, [bob, gateway])

# ---- the PSTN ----
pstn = Request("INVITE", "sip:4930123456@" + DOMAIN, alice, "alice@" + DOMAIN)
pstn.send()
rs = pstn.replies()
check("PSTN call without credentials: 407", 407 in codes(rs), "got %r" % codes(rs))
nowhere("PSTN call without credentials", pstn, [gateway, bob])
call_reaches("PSTN call", Request("INVITE", "sip:4930123456@" + DOMAIN, alice, "alice@" + DOMAIN),
             gateway, [bob])

# ---- refused ----
req = Request("INVITE", "sip:bob@example.org", alice, "alice@" + DOMAIN)
req.send()
rs = req.replies()
check("foreign domain: 403", 403 in codes(rs), "got %r" % codes(rs))
nowhere("foreign domain", req, [bob, gateway])
req = Request("OPTIONS", "sip:bob@" + DOMAIN, alice, "alice@" + DOMAIN)
req.send(maxfwd=0)
rs = req.replies()
check("loop: 483", 483 in codes(rs), "got %r" % codes(rs))
sys.exit(sp.result())
PY
{
	cat "$E2E_TMP/residential.out" >&2
	e2e_fail "the residential policy handled a request the wrong way"
}
cat "$E2E_TMP/residential.out" >&2

"$CTL" --db "$DB" ul show bob@voip.example.com >"$E2E_TMP/ul.out" 2>&1 ||
	e2e_fail "no binding for bob in the database: $(cat "$E2E_TMP/ul.out")"

# The sipp scenarios, one per line:
#   NAME|UAS scenario and its port (or -)|UAC scenario|UAC arguments
# A UAS scenario dr_uas.xml:REGEXP checks the request-URI it receives.
SCENARIOS="
reg_carol|-|reg_auth.xml|-s carol -au carol -ap carol-secret -key contact_port $CAROL
call_carol|uas_rr.xml $CAROL|uac_auth.xml|-s alice -au alice -ap alice-secret -key callee carol
call_pstn|dr_uas.xml:sip:4930555@voip[.]example[.]com $GW|uac_auth.xml|-s alice -au alice -ap alice-secret -key callee 4930555
"
while IFS='|' read -r sc uas uac args; do
	[ -n "$sc" ] || continue
	if [ "$uas" != - ]; then
		xml=${uas%% *}; port=${uas#* }
		case $xml in
		dr_uas.xml:*)
			sed -e "s|@RURI@|${xml#dr_uas.xml:}|" -e "/@ANSWER@/r $E2E_SRC/dr_answer_200.xml" \
				-e "/@ANSWER@/d" "$E2E_SRC/dr_uas.xml" >"$E2E_TMP/${sc}_uas.xml"
			xml=$E2E_TMP/${sc}_uas.xml ;;
		*) xml=$E2E_SRC/$xml ;;
		esac
		e2e_sipp "${sc}_uas" -sf "$xml" -i 127.0.0.1 -p "$port" -m 1 -timeout 20s
		e2e_wait_sipp_up "${sc}_uas" "$port"
	fi
	# shellcheck disable=SC2086
	e2e_sipp_run "$sc" -sf "$E2E_SRC/$uac" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		$args -m 1 -timeout 15s -timeout_error
	e2e_expect_calls "$sc" 1
	if [ "$uas" != - ]; then
		e2e_sipp_wait "${sc}_uas"
		e2e_expect_calls "${sc}_uas" 1
	fi
done <<EOF
$SCENARIOS
EOF
# The policy accounts its calls (both forms): the two sipp calls, hung up
# with a BYE, have their CDRs.
for who in carol 4930555; do
	i=0
	until [ "$(sqlite3 "${DB#sqlite:}" "SELECT count(*) FROM acc_cdrs WHERE callee
		LIKE '%:$who@%' AND end_reason = 'bye' AND hangup_by = 'caller'")" = 1 ]; do
		[ $i -ge 50 ] && e2e_fail "no CDR of the call to $who: $("$CTL" --db "$DB" cdr show)"
		sleep 0.1; i=$((i + 1))
	done
done
e2e_expect_proxy_alive

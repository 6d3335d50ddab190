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

python3 - "$PROXY" "$GW" "$FULL" >"$E2E_TMP/residential.out" 2>&1 <<'PY' ||
import hashlib, re, socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
full = sys.argv[3] == "1"
DOMAIN = "voip.example.com"
PASSWORDS = {"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret"}

def bound(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s
gateway = bound(int(sys.argv[2]))
alice, bob = bound(), bound()   # the subscribers' phones
addr = lambda s: "127.0.0.1:%d" % s.getsockname()[1]
failed = 0
n = 0

def check(name, ok, detail=""):
    global failed
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    failed += not ok

def drain(sock, timeout):
    got = []
    sock.settimeout(timeout)
    try:
        while True:
            got.append(sock.recv(65535).decode("latin-1"))
    except socket.timeout:
        pass
    return got

def header(msg, name):
    m = re.search(r"\r\n%s:[ \t]*([^\r]*)" % re.escape(name), msg, re.I)
    return m.group(1) if m else None

class Request:
    """One request of a new call or registration: the same Call-ID for the
    retry with credentials, a new branch and CSeq for each send."""
    def __init__(self, method, ruri, sock, user, to=None, extra=""):
        global n
        n += 1
        self.method, self.ruri, self.sock, self.user = method, ruri, sock, user
        self.to, self.extra = to or ruri, extra
        self.callid = "res-%d@127.0.0.1" % n
        self.cseq = 0

    def send(self, auth="", maxfwd=70):
        self.cseq += 1
        self.branch = "z9hG4bK-res-%s-%d" % (self.callid.split("@")[0], self.cseq)
        me = addr(self.sock)
        msg = ("%s %s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
               "Max-Forwards: %d\r\n"
               "From: <sip:%s>;tag=t%s\r\n"
               "To: <%s>\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %d %s\r\n"
               "Contact: <sip:%s@%s>\r\n%s%s"
               "Content-Length: 0\r\n\r\n"
               % (self.method, self.ruri, me, self.branch, maxfwd, self.user, self.callid.split("@")[0],
                  self.to, self.callid, self.cseq, self.method,
                  self.user.split("@")[0], me, self.extra, auth))
        self.sock.sendto(msg.encode(), proxy)

    def mine(self, msgs):
        return [m for m in msgs if "\r\nCall-ID: %s\r\n" % self.callid in m]

    def replies(self, timeout=1.0):
        got = self.mine(drain(self.sock, timeout))
        rs = [m for m in got if m.startswith("SIP/2.0 ")]
        for r in rs:   # ACK a negative reply to an INVITE (RFC 3261 17.1.1.3)
            code = int(r.split(" ", 2)[1])
            if self.method == "INVITE" and code >= 300:
                self.sock.sendto(("ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
                                  "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s ACK\r\n"
                                  "Content-Length: 0\r\n\r\n"
                                  % (self.ruri, header(r, "Via"), header(r, "From"),
                                     header(r, "To"), self.callid,
                                     header(r, "CSeq").split()[0])).encode(), proxy)
        return rs

    def credentials(self, challenge, password, hname, user=None):
        """The Authorization/Proxy-Authorization header answering the MD5
        challenge of reply challenge (hname: its header name)."""
        chal = [v for v in re.findall(r"\r\n%s:[ \t]*([^\r]*)" % hname, challenge, re.I)
                if "algorithm=MD5" in v][0]
        realm = re.search(r'realm="([^"]*)"', chal).group(1)
        nonce = re.search(r'nonce="([^"]*)"', chal).group(1)
        user = user or self.user.split("@")[0]
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
        ha1 = md5("%s:%s:%s" % (user, realm, password))
        ha2 = md5("%s:%s" % (self.method, self.ruri))
        nc, cnonce = "00000001", "c%d" % n
        resp = md5(":".join([ha1, nonce, nc, cnonce, "auth", ha2]))
        return ('%s: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                'response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"\r\n'
                % ("Authorization" if hname.startswith("WWW") else "Proxy-Authorization",
                   user, realm, nonce, self.ruri, resp, nc, cnonce))

    def authenticate(self, name, code, password=None):
        """Send without credentials, expect the challenge code, answer it.
        Returns the replies to the request with credentials."""
        hname = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
        self.send()
        rs = [r for r in self.replies() if not r.startswith("SIP/2.0 100")]
        ch = [r for r in rs if r.startswith("SIP/2.0 %d " % code)]
        check(name + ": challenged with %d" % code, bool(ch), "got %r" % [r[:40] for r in rs])
        if not ch:
            return []
        pw = password or PASSWORDS[self.user.split("@")[0]]
        self.send(auth=self.credentials(ch[0], pw, hname))
        return self.replies()

def codes(rs):
    return [int(r.split(" ", 2)[1]) for r in rs]

def nowhere(name, req, socks):
    leaked = [m[:60] for s in socks for m in req.mine(drain(s, 0.2))]
    check(name + ": not forwarded", not leaked, "got %r" % leaked)

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
sys.exit(1 if failed else 0)
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

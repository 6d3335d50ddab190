#!/bin/sh
# A policy swapped into a running proxy (sipcc build --hot, sipcc-ctl
# policy load), against tests/e2e/policy_swap.sip built as version v1;
# phones and the callee are Python sockets (tests/e2e/sip_phone.py):
#  1. "policy status" says generation 1, linked in;
#  2. before the swap: bob registers over UDP, a TCP client connects and
#     is answered by v1, call A reaches bob (no answer yet), call B is
#     answered (200; both in the dialog profile "active_calls");
#  3. v2 is loaded: generation 2; bob's 180 for call A passes v1's reply
#     route, his 486 ends in v1's failure route ("480 Failed v1": the
#     transaction finishes with the routes that routed it); a new call C
#     passes v2's reply route and gets "480 Failed v2"; bob's registration still
#     routes; OPTIONS on the TCP connection opened before the swap is
#     answered by v2 on that connection; call B's BYE is relayed through
#     the Record-Route and ends the dialog v1 created (profile back to 0);
#     v1's timer route stops, v2's runs; a request that was waiting for
#     an HTTP server when v2 came goes on in v1's route with its
#     variables, a new one runs in v2's;
#  4. refused, each with its reason, generation 2 still answering: a
#     setting that needs a restart, a branch flag declared before the
#     existing one (its bit is kept with registrations), a module that is
#     not running, a shared object
#     built for another runtime, a file that is no shared object, a
#     relative path (sipcc-ctl makes one absolute), a missing file;
#  5. a policy whose startup route ends with drop is rolled back: v2 runs
#     on, its timer route too; then v3 loads as generation 4, named by a
#     path relative to sipcc-ctl's working directory;
#     a policy that adds a dialog profile after the existing one loads as
#     generation 5 and its profile is there;
#  6. a proxy built with that startup route does not start (exit 1).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
SOCK=$E2E_TMP/sipcc.ctl

e2e_ports PROXY HTTP
URL=http://127.0.0.1:$HTTP/slow
e2e_build tests/e2e/policy_swap.sip -D HTTP_URL=$URL
hot() { # NAME POLICY [sipcc build options]
	name=$1 policy=$2; shift 2
	"$SIPCC" build --hot "$top_srcdir/$policy" -o "$E2E_TMP/$name.so" -D HTTP_URL=$URL "$@" \
		>>"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build --hot $policy $* failed"
}
hot v2 tests/e2e/policy_swap.sip -D VERSION=v2
hot v3 tests/e2e/policy_swap.sip -D VERSION=v3
hot fail tests/e2e/policy_swap.sip -D VERSION=v9 -D FAIL_STARTUP
hot setting tests/e2e/policy_swap_setting.sip -D VERSION=v9
hot state tests/e2e/policy_swap_state.sip -D VERSION=v9
hot module tests/e2e/policy_swap_module.sip -D VERSION=v9
hot grow tests/e2e/policy_swap_grow.sip -D VERSION=v3
# A shared object with the two symbols of a policy, built for another
# runtime: refused before any of its code runs.
cat >"$E2E_TMP/other.c" <<'EOF'
const char sipcc_policy_abi[] = "sipcc policy abi 0; sipcc 0.0.0; stdlib 0";
void sipcc_policy_init(void) { __builtin_trap(); }
EOF
${CC:-cc} -shared -fPIC -o "$E2E_TMP/other.so" "$E2E_TMP/other.c" ||
	e2e_error "cannot build a shared object with ${CC:-cc}"
echo "not an object" >"$E2E_TMP/junk.so"

e2e_start_proxy "$PROXY" --db "sqlite:$E2E_TMP/sipcc.db" --ctl "$SOCK" \
	--listen "tcp:127.0.0.1:$PROXY"

python3 - "$E2E_SRC" "$PROXY" "$CTL" "$SOCK" "$E2E_TMP" "$HTTP" <<'PY' || e2e_fail "see the checks above"
import http.server, json, socket, subprocess, sys, threading, time
sys.path.insert(0, sys.argv[1])
import sip_phone as sp

port, ctl, sock, tmp = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
sp.setup(port, domain="127.0.0.1")


class Slow(http.server.BaseHTTPRequestHandler):
    """Answers after 1.5 s: long enough to load a policy meanwhile."""
    def do_GET(self):
        time.sleep(1.5)
        body = b"body"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


httpd = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[6])), Slow)
threading.Thread(target=httpd.serve_forever, daemon=True).start()


def ctl_cmd(*args):
    p = subprocess.run([ctl, "--ctl", sock] + list(args), capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"ok": False, "error": "no JSON: %r %r" % (p.stdout, p.stderr)}


def stat(name):
    return ctl_cmd("stats", name)["stats"].get(name, 0)


def options(s, want, name):
    r = sp.Request("OPTIONS", "sip:127.0.0.1:%d" % port, s, "tester@127.0.0.1")
    r.send()
    rs = r.replies(1.0)
    sp.check(name, any(x.startswith("SIP/2.0 200 version " + want) for x in rs), rs[:1])


def tcp_options(conn, want, name, n):
    me = "%s:%d" % conn.getsockname()
    msg = ("OPTIONS sip:127.0.0.1:%d;transport=tcp SIP/2.0\r\n"
           "Via: SIP/2.0/TCP %s;branch=z9hG4bK-tcp-%d\r\nMax-Forwards: 70\r\n"
           "From: <sip:tcp@127.0.0.1>;tag=tcp\r\nTo: <sip:127.0.0.1>\r\n"
           "Call-ID: tcp-%d@127.0.0.1\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n"
           % (port, me, n, n, n))
    conn.sendall(msg.encode())
    conn.settimeout(2.0)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
    except socket.timeout:
        pass
    sp.check(name, data.startswith(("SIP/2.0 200 version " + want).encode()), data[:60])


def final(req, timeout=3.0):
    rs = req.replies(timeout, until=lambda c: c >= 200)
    return [x.split("\r\n", 1)[0] for x in rs if int(x.split(" ", 2)[1]) >= 200]


st = ctl_cmd("policy", "status")
sp.check("generation 1 at start, linked in", st.get("generation") == 1 and st.get("file") is None, st)

alice, bob, udp = sp.bound(), sp.bound(), sp.bound()
options(udp, "v1", "v1 answers OPTIONS")
reg = sp.Request("REGISTER", "sip:127.0.0.1", bob, "bob@127.0.0.1", to="sip:bob@127.0.0.1")
reg.send()
sp.check("bob registers", 200 in sp.codes(reg.replies(1.0)))
conn = socket.create_connection(("127.0.0.1", port))
tcp_options(conn, "v1", "v1 answers on the TCP connection", 1)

# Call A rings; call B is answered.
call_a = sp.Request("INVITE", "sip:bob@127.0.0.1", alice, "alice@127.0.0.1")
call_a.send()
inv_a = sp.arrived(call_a, bob, 2.0)
sp.check("call A reaches bob", bool(inv_a))
call_b = sp.Request("INVITE", "sip:bob@127.0.0.1", alice, "alice@127.0.0.1")
call_b.send()
inv_b = sp.arrived(call_b, bob, 2.0)
sp.check("call B reaches bob", bool(inv_b))
rr = sp.header(inv_b[0], "Record-Route")
sp.reply_to(bob, inv_b[0], 200, "OK", to_tag="b")
sp.check("call B answered", any(f.startswith("SIP/2.0 200") for f in final(call_b)))
prof = ctl_cmd("dlg", "profile", "active_calls")
sp.check("two calls in the profile before the swap", prof.get("size") == 2, prof)
ticks_v1 = stat("swap.ticks_v1")

def in_dialog(method, cseq):
    me = sp.addr(alice)
    tag = call_b.callid.split("@")[0]
    msg = ("%s sip:uas@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport\r\n"
           "Max-Forwards: 70\r\nRoute: %s\r\nFrom: <sip:alice@127.0.0.1>;tag=t%s\r\n"
           "To: <sip:bob@127.0.0.1>;tag=b\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
           "Content-Length: 0\r\n\r\n"
           % (method, sp.addr(bob), me, method.lower(), cseq, rr, tag, call_b.callid, cseq,
              method))
    alice.sendto(msg.encode(), sp.proxy)


in_dialog("ACK", 1)

# A request waiting for the HTTP server while the policy is swapped.
waiting = sp.Request("MESSAGE", "sip:bob@127.0.0.1", udp, "tester@127.0.0.1")
waiting.send()
time.sleep(0.3)

# The swap.
ld = ctl_cmd("policy", "load", tmp + "/v2.so")
sp.check("v2 loads as generation 2", ld.get("ok") and ld.get("generation") == 2, ld)
fw = final(waiting, 4.0)
sp.check("the request that waited goes on in v1's route, its variables kept",
         fw[:1] == ["SIP/2.0 200 v1 then v1 body"], fw)
again = sp.Request("MESSAGE", "sip:bob@127.0.0.1", udp, "tester@127.0.0.1")
again.send()
fw = final(again, 4.0)
sp.check("a new request waits in v2's route", fw[:1] == ["SIP/2.0 200 v2 then v2 body"], fw)

sp.reply_to(bob, inv_a[0], 180, "Ringing", to_tag="a")
ra = [x for x in sp.drain(alice, 1.0) if x.startswith("SIP/2.0 180")]
sp.check("call A's 180 passes v1's reply route", ra and sp.header(ra[0], "X-Policy") == "v1", ra)
sp.reply_to(bob, inv_a[0], 486, "Busy Here", to_tag="a")
fa = final(call_a)
sp.check("call A (routed by v1) ends in v1's failure route", fa[:1] == ["SIP/2.0 480 Failed v1"], fa)

call_c = sp.Request("INVITE", "sip:bob@127.0.0.1", alice, "alice@127.0.0.1")
call_c.send()
inv_c = sp.arrived(call_c, bob, 2.0)
sp.check("call C reaches bob: the registration is kept", bool(inv_c))
if inv_c:
    sp.reply_to(bob, inv_c[0], 180, "Ringing", to_tag="c")
    rc = [x for x in sp.drain(alice, 1.0) if x.startswith("SIP/2.0 180")]
    sp.check("call C's 180 passes v2's reply route", rc and sp.header(rc[0], "X-Policy") == "v2",
             rc)
    sp.reply_to(bob, inv_c[0], 486, "Busy Here", to_tag="c")
fc = final(call_c)
sp.check("call C (routed by v2) ends in v2's failure route", fc[:1] == ["SIP/2.0 480 Failed v2"], fc)

options(udp, "v2", "v2 answers OPTIONS")
tcp_options(conn, "v2", "the TCP connection opened before the swap is answered by v2", 2)
unknown = sp.Request("INVITE", "sip:nobody@127.0.0.1", alice, "alice@127.0.0.1")
unknown.send()
fu = final(unknown)
sp.check("v2's request route", fu[:1] == ["SIP/2.0 404 Not Found v2"], fu)

# Call B's BYE through the Record-Route: the dialog v1 made ends.
in_dialog("BYE", 2)
got = [m for m in sp.drain(bob, 1.0) if m.startswith("BYE ")]
sp.check("call B's BYE reaches bob through the Record-Route", bool(got))
if got:
    sp.reply_to(bob, got[0], 200, "OK", to_tag="b")
time.sleep(0.3)
prof = ctl_cmd("dlg", "profile", "active_calls")
sp.check("the dialogs of v1's calls ended under v2 (profile empty)", prof.get("size") == 0, prof)
t1 = stat("swap.ticks_v1")
time.sleep(0.5)
sp.check("v1's timer route stopped", stat("swap.ticks_v1") == t1 and t1 >= ticks_v1,
         (ticks_v1, t1, stat("swap.ticks_v1")))
sp.check("v2's timer route runs", stat("swap.ticks_v2") >= 2, stat("swap.ticks_v2"))

# Refusals.
for name, why in [("setting", "setting registrar.default_expires is 60 in the new policy, "
                              "3600 in the running one"),
                  ("state", "it declares \"bflag VIA_TRUNK\" where the running one "
                            "declares \"bflag NATED\""),
                  ("module", "module prefs is not running"),
                  ("other", "was built for another runtime"),
                  ("junk", "is not a loadable policy"),
                  ("missing", "No such file or directory")]:
    ld = ctl_cmd("policy", "load", "%s/%s.so" % (tmp, name))
    sp.check("%s refused: %s" % (name, why), not ld.get("ok") and why in ld.get("error", ""), ld)
raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
raw.connect(sock)
raw.sendall(b"policy load v2.so\n")
raw.settimeout(2.0)
line = raw.recv(4096).decode()
raw.close()
sp.check("the proxy refuses a relative path", '"ok":false' in line and "absolute" in line, line)
st = ctl_cmd("policy", "status")
sp.check("generation 2 after the refusals", st.get("generation") == 2, st)
options(udp, "v2", "v2 still answers")

# A startup route that drops: rolled back.
ld = ctl_cmd("policy", "load", tmp + "/fail.so")
sp.check("a failing startup route rolls back", not ld.get("ok") and
         "ended with drop: generation 2 keeps running" in ld.get("error", ""), ld)
options(udp, "v2", "v2 answers after the rollback")
t2 = stat("swap.ticks_v2")
time.sleep(0.5)
sp.check("v2's timer route runs after the rollback", stat("swap.ticks_v2") > t2)
sp.check("the failed policy's timer never ran", stat("swap.ticks_v9") == 0)
p = subprocess.run([ctl, "--ctl", sock, "policy", "load", "v3.so"], cwd=tmp,
                   capture_output=True, text=True)
ld = json.loads(p.stdout or "{}")
sp.check("v3 (a path sipcc-ctl makes absolute) loads as generation 4",
         ld.get("ok") and ld.get("generation") == 4 and ld.get("file") == tmp + "/v3.so", ld)
options(udp, "v3", "v3 answers OPTIONS")
prof = ctl_cmd("dlg", "profile", "busy_lines")
sp.check("no profile busy_lines before the policy that declares it", not prof.get("ok"), prof)
ld = ctl_cmd("policy", "load", tmp + "/grow.so")
sp.check("a policy with one more profile loads as generation 5",
         ld.get("ok") and ld.get("generation") == 5, ld)
prof = ctl_cmd("dlg", "profile", "busy_lines")
sp.check("its profile is there once it is loaded", prof.get("ok") and prof.get("size") == 0, prof)
sys.exit(sp.result())
PY
e2e_expect_proxy_alive
# The same startup route in the proxy itself: it does not start.
"$SIPCC" build "$top_srcdir/tests/e2e/policy_swap.sip" -D FAIL_STARTUP -D HTTP_URL=$URL \
	-o "$E2E_TMP/failing" >>"$E2E_TMP/build.log" 2>&1 || e2e_fail "cannot build the failing proxy"
e2e_ports SPARE
rc=0
timeout 10 "$E2E_TMP/failing" --listen "udp:127.0.0.1:$SPARE" --db "sqlite:$E2E_TMP/f.db" \
	>"$E2E_TMP/failing.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || e2e_fail "a proxy whose startup route drops exited with $rc, not 1"
grep -q "a startup route ended with drop: the proxy does not start" "$E2E_TMP/failing.log" ||
	e2e_fail "no reason given: $(cat "$E2E_TMP/failing.log")"
grep -q "policy generation 2 loaded from $E2E_TMP/v2.so (generation 1 was running)" \
	"$E2E_TMP/proxy.log" || e2e_fail "no log line for the load of v2"
grep -q "policy load $E2E_TMP/setting.so refused: " "$E2E_TMP/proxy.log" ||
	e2e_fail "no log line for the refused load"

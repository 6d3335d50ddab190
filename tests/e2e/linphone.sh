#!/bin/sh
# A real phone with the proxy as its outbound proxy: linphonec (Debian
# package linphone-cli) registers as alice through examples/residential.sip
# and calls carol, a sipp UAS registered with sipp (reg_auth.xml). Its
# account has the registrar and the outbound proxy at the proxy's address
# (reg_proxy and reg_route), so its REGISTER and INVITE carry
# "Route: <sip:PROXY;lr>". The call must complete with one 407 (the proxy
# removes its own Route, RFC 3261 16.4, and does not send the INVITE to
# itself) and carol's UAS (uas_nocreds.xml) must not see the credentials
# linphone repeats on its ACK and BYE.
#
# linphonec runs headless on a pseudo-terminal driven by a python script
# (its command line needs a terminal to run its main loop), without sound
# cards (it then runs the media streams without audio devices). Two
# settings make it usable without a network: linphonec 5.1 opens no SIP
# socket at start when it does not find the network up, so its UDP port
# is left random in the configuration and the driver sets it with
# "ports sip N" (a change of port opens the socket; setting the port it
# has already does nothing), and register_only_when_network_is_up=0 lets
# the account register then.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 linphonec
e2e_ctl_init
e2e_subscribers alice carol

e2e_ports GW PROXY CAROL LP RTP
e2e_build examples/residential.sip -D "PSTN_GATEWAY=sip:127.0.0.1:$GW"
e2e_start_proxy "$PROXY" --db "$DB"

e2e_sipp_register reg_carol carol "$CAROL" "$CAROL"
e2e_sipp carol -sf "$E2E_SRC/uas_nocreds.xml" -i 127.0.0.1 -p "$CAROL" -m 1 -timeout 40s
e2e_wait_sipp_up carol "$CAROL"

mkdir -p "$E2E_TMP/home"
cat >"$E2E_TMP/linphonerc" <<RC
[sip]
sip_port=-1
sip_tcp_port=0
sip_tls_port=0
register_only_when_network_is_up=0
[rtp]
audio_rtp_port=$RTP
[video]
capture=0
display=0
[proxy_0]
reg_proxy=<sip:127.0.0.1:$PROXY>
reg_route=<sip:127.0.0.1:$PROXY;lr>
reg_identity=sip:alice@voip.example.com
reg_expires=600
reg_sendregister=1
[auth_info_0]
username=alice
passwd=alice-secret
realm=voip.example.com
domain=voip.example.com
RC

python3 - "$E2E_TMP" "$LP" "$CTL" "$DB" >"$E2E_TMP/linphonec.out" 2>&1 <<'PY' ||
import os, pty, re, select, signal, subprocess, sys, time

tmp, lp, ctl, db = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = os.path.join(tmp, "home")
    os.execvp("linphonec", ["linphonec", "-c", os.path.join(tmp, "linphonerc"), "-d", "6",
                            "-l", os.path.join(tmp, "linphonec.log")])
out = b""

def pump(secs, until=None):
    """Read linphonec's console for secs seconds, or until the regex
    until matches what it printed; True when it matched."""
    global out
    end = time.time() + secs
    while True:
        if until and re.search(until, out.decode("utf-8", "replace")):
            return True
        if time.time() >= end:
            return False
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return False

def cmd(line, secs=1.0, until=None):
    os.write(fd, (line + "\n").encode())
    return pump(secs, until)

def registered():
    r = subprocess.run([ctl, "--db", db, "ul", "show", "alice@voip.example.com"],
                       capture_output=True, text=True)
    return r.returncode == 0 and ("127.0.0.1:%s" % lp) in r.stdout

failed = []
def check(name, ok):
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    if not ok:
        failed.append(name)

try:
    pump(3, r"linphonec> ")
    cmd("ports sip " + lp, 1, r"Setting sip port")
    ok = False
    for _ in range(100):
        if registered():
            ok = True
            break
        pump(0.2)
    check("linphonec registered through its outbound proxy", ok)
    if ok:
        check("the call to carol is connected",
              cmd("call sip:carol@voip.example.com", 20, r"with sip:carol@voip\.example\.com connected"))
        pump(1)
        check("the call ends with linphonec's BYE", cmd("terminate", 10, r"ended"))
    cmd("quit", 3)
finally:
    print(out.decode("utf-8", "replace"))
    # quit ends it; a linphonec that hangs is killed, never waited for.
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        for _ in range(30):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
            time.sleep(0.1)
        else:
            continue
        break
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/linphonec.out" >&2
	e2e_fail "linphonec did not complete its call through the proxy"
}
grep '^ok\|^FAIL' "$E2E_TMP/linphonec.out" >&2
e2e_sipp_wait carol
e2e_expect_calls carol 1
# One challenge for the INVITE: a proxy that sent the INVITE to itself
# challenged its own copy and the phone got a 407 for each.
n407=$(grep -c '^SIP/2.0 407 ' "$E2E_TMP/linphonec.log")
[ "$n407" = 1 ] || e2e_fail "linphonec got $n407 replies 407, expected one"
grep -q '^Proxy-Authorization:' "$E2E_TMP/linphonec.log" ||
	e2e_log "note: linphonec sent no Proxy-Authorization at all"
e2e_expect_proxy_alive

#!/bin/sh
# The ACK of a 407 belongs to the INVITE's transaction (RFC 3261 §17.1.1.3:
# same branch as the INVITE). uac_auth.xml makes an authenticated call; once
# it is over, whatever the proxy still sends to the caller's port is
# captured for a few seconds: a proxy that did not match the ACK keeps
# retransmitting its 407 (Timer G: 0.5 s, 1 s, 2 s...), so not one may
# come.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
e2e_subscribers alice bob carol

e2e_ports UAS PROXY UAC
e2e_build tests/e2e/auth_registrar.sip
e2e_start_proxy "$PROXY" --db "$DB"

e2e_sipp_register regbob bob "$UAC" "$UAS"
e2e_sipp callee -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
e2e_wait_sipp_up callee "$UAS"
# quiet_after NAME: nothing reaches the caller's port for 3 s.
quiet_after() {
	python3 - "$UAC" >"$E2E_TMP/after-$1.out" 2>&1 <<'PY' ||
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
end = time.monotonic() + 3.0
got = []
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        got.append(s.recv(65535).split(b"\r\n", 1)[0].decode("latin-1"))
    except socket.timeout:
        break
for g in got:
    print("after the call, the proxy sent: %s" % g)
sys.exit(1 if got else 0)
PY
	{
		cat "$E2E_TMP/after-$1.out" >&2
		e2e_fail "$1: the proxy went on sending to the caller after the call (unmatched ACK?)"
	}
}

# 407, authenticated INVITE, 200, ACK, BYE.
e2e_sipp_run call -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key callee bob -m 1 -timeout 15s -timeout_error
e2e_expect_calls call 1
quiet_after call
# 407, authenticated INVITE, 404 (nobody registered): two ACKs of non-2xx.
e2e_sipp_run nobody -sf "$E2E_SRC/uac_auth_404.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key callee carol -m 1 -timeout 15s -timeout_error
e2e_expect_calls nobody 1
quiet_after nobody
e2e_sipp_wait callee
e2e_expect_calls callee 1
e2e_expect_proxy_alive

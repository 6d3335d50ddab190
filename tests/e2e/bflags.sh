#!/bin/sh
# Branch and contact flags through a proxy built from tests/e2e/bflags.sip:
# two contacts of one address-of-record, one registered with the NAT
# marker (the policy sets bflag NATED before save), one without. An INVITE
# forks to both; the branch route writes X-Nated: yes/no from
# isbflagset(NATED) and each sipp callee checks its own value. The NATed
# callee rejects with 486 at once, the other with 603 a little later: the
# reply route sees each branch's flags (and the flag the branch route set
# on the plain branch only), the failure route those of the 603's branch.
# Then the proxy restarts and the same call works with the flags read back
# from the database. Last, a call whose branches the policy makes with
# append_branch() (the appended branch without NATED, the Request-URI's
# with it, set after the append), and a serial fork: the NATed contact
# has the higher q and answers 486, the failure route's t_next_contacts()
# sends to the plain one, which must not get the NATed branch's flags.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init "sqlite:$E2E_TMP/bflags.db"
ctl db init

e2e_ports PROXY UAC NAT PLAIN
e2e_build tests/e2e/bflags.sip -D "NAT_URI=sip:nat@127.0.0.1:$NAT" \
	-D "PLAIN_URI=sip:plain@127.0.0.1:$PLAIN"
e2e_start_proxy "$PROXY" --db "$DB"

# register N USER CONTACT [HEADER]: one REGISTER for USER with CONTACT
# (and the extra header line); expects 200.
register() {
	python3 - "$PROXY" "$@" >>"$E2E_TMP/register.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
n, user, contact = sys.argv[2], sys.argv[3], sys.argv[4]
extra = sys.argv[5] + "\r\n" if len(sys.argv) > 5 else ""
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
req = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%s;rport\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:%s@127.0.0.1>;tag=r%s\r\n"
       "To: <sip:%s@127.0.0.1>\r\n"
       "Call-ID: reg-%s@127.0.0.1\r\n"
       "CSeq: 1 REGISTER\r\n"
       "Contact: %s\r\n%s"
       "Expires: 300\r\n"
       "Content-Length: 0\r\n\r\n"
       % (proxy[1], me, n, user, n, user, n, contact, extra))
s.sendto(req.encode(), proxy)
s.settimeout(3.0)
status = s.recv(65535).decode("latin-1").split("\r\n", 1)[0]
print("%s: %s" % (contact, status))
sys.exit(0 if status.startswith("SIP/2.0 200") else 1)
PY
	e2e_fail "REGISTER of $3 failed: $(tail -n 1 "$E2E_TMP/register.out")"
}

# uas NAME PORT NATED CODE PAUSE: a callee that expects X-Nated: NATED.
uas() {
	sed -e "s/@NATED@/$3/" -e "s/@CODE@/$4/" -e "s/@PAUSE@/$5/" \
		"$E2E_SRC/uas_bflag.xml" >"$E2E_TMP/$1.xml"
	e2e_sipp "$1" -sf "$E2E_TMP/$1.xml" -i 127.0.0.1 -p "$2" -m 1 -timeout 20s
	e2e_wait_sipp_up "$1" "$2"
}

# count TEXT: how many lines of the proxy's log have TEXT.
count() { grep -c "$1" "$E2E_TMP/proxy.log"; }

# call ROUND USER N: the forked call to USER and what the routes logged
# (each line N times in the log by then).
call() {
	uas "nat$1" "$NAT" yes 486 0
	uas "plain$1" "$PLAIN" no 603 500
	e2e_sipp_run "caller$1" -sf "$E2E_SRC/uac_603.xml" -s "$2" "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
	e2e_expect_calls "caller$1" 1
	# A callee that saw the wrong X-Nated value fails its ereg check.
	e2e_sipp_wait "nat$1"
	e2e_expect_calls "nat$1" 1
	e2e_sipp_wait "plain$1"
	e2e_expect_calls "plain$1" 1
	[ "$(count "reply 486 on a NATed branch")" = "$3" ] ||
		e2e_fail "round $1: the reply route did not see NATED on the 486's branch"
	[ "$(count "reply 603 on a plain branch")" = "$3" ] ||
		e2e_fail "round $1: the reply route saw NATED on the 603's branch"
	[ "$(count "reply 603 on a branch its branch route marked")" = "$3" ] ||
		e2e_fail "round $1: the flag the branch route set is not on its branch"
	[ "$(count "reply 486 on a branch its branch route marked")" = 0 ] ||
		e2e_fail "round $1: the branch route's flag leaked to the other branch"
	[ "$(count "failure route 603: picked branch is plain")" = "$3" ] ||
		e2e_fail "round $1: the failure route did not see the picked branch's flags"
}

register 1 bob "<sip:bob@127.0.0.1:$NAT>" "X-Test-Nat: 1"
register 2 bob "<sip:bob@127.0.0.1:$PLAIN>"
call 1 bob 1

# Restart: the contacts and their flags come back from the database.
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"
e2e_start_proxy "$PROXY" --db "$DB"
e2e_wait_log "2 bindings loaded" 5 "the restarted proxy did not load bob's two bindings"
call 2 bob 1
call 3 split 2

register 3 ser "<sip:ser@127.0.0.1:$NAT>;q=1.0" "X-Test-Nat: 1"
register 4 ser "<sip:ser@127.0.0.1:$PLAIN>;q=0.5"
call 4 ser 3
[ "$(count "failure route 486: picked branch is NATed")" = 1 ] ||
	e2e_fail "the failure route did not see the NATed branch's 486"
e2e_expect_proxy_alive

#!/bin/sh
# A real phone with the default auth settings: baresip 1.0 (Debian 12,
# package baresip-core) registers with digest authentication against a
# subscriber in SQLite and calls a registered sipp UAS through the proxy.
# baresip's SIP stack gives up on a challenge whose algorithm it does not
# know even when an MD5 one comes with it, so this holds only when the
# challenges offer MD5 alone (auth.algorithms, default "MD5").
#
# baresip runs headless: its configuration in the test's directory
# (baresip -f), no audio device (ausine as the source, which takes only
# 48 kHz, resampled for G.711; aubridge as the player), driven through its ctrl_tcp module by baresip_ctl.py, with the
# proxy as its outbound proxy (so its requests carry a preloaded Route).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 baresip
MODDIR=/usr/lib/baresip/modules
for m in g711 ausine aubridge account menu ctrl_tcp; do
	[ -f "$MODDIR/$m.so" ] || e2e_skip "baresip module $m not in $MODDIR"
done
e2e_ctl_init
e2e_subscribers alice bob

e2e_ports UAS PROXY UAC BSIP BCTL
e2e_build tests/e2e/baresip.sip
e2e_start_proxy "$PROXY" --db "$DB"

# The callee: a sipp UAS registered as bob.
e2e_sipp_register regbob bob "$UAC" "$UAS"
e2e_sipp callee -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 60s
e2e_wait_sipp_up callee "$UAS"

# baresip as alice.
BDIR=$E2E_TMP/baresip
mkdir -p "$BDIR"
cat >"$BDIR/config" <<CONF
poll_method		epoll
sip_listen		127.0.0.1:$BSIP
sip_trans_def		udp
audio_source		ausine,440
audio_player		aubridge,nil
audio_alert		aubridge,nil
ausrc_srate		48000
auplay_srate		48000
ausrc_channels		2
auplay_channels		2
module_path		$MODDIR
module			g711.so
module			ausine.so
module			aubridge.so
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$BCTL
CONF
printf '<sip:alice@voip.example.com>;auth_pass=alice-secret;outbound="sip:127.0.0.1:%s";regint=600\n' \
	"$PROXY" >"$BDIR/accounts"
baresip -f "$BDIR" -s >"$E2E_TMP/baresip.out" 2>&1 </dev/null &
e2e_track $!

drive() { python3 "$E2E_SRC/baresip_ctl.py" "$BCTL" "$@" >>"$E2E_TMP/ctl_tcp.out" 2>&1; }

# 1. Registration: one challenge, MD5 only, then 200 and a binding.
drive registered ||
	e2e_fail "baresip did not register: $(grep -a 'reg:' "$E2E_TMP/baresip.out" | tail -n 3)"
grep -aq 'algorithm=SHA-256' "$E2E_TMP/baresip.out" &&
	e2e_fail "the challenge offered SHA-256 with the default settings"
e2e_wait_binding alice@voip.example.com \
	"no binding for alice in the database after baresip registered"
grep -q "@127.0.0.1:$BSIP" "$E2E_TMP/ul.out" ||
	e2e_fail "alice's binding is not baresip's contact: $(cat "$E2E_TMP/ul.out")"

# 2. The call: 407, INVITE with credentials, relayed to the sipp UAS, answered,
# hung up by baresip.
drive dial:sip:bob@voip.example.com established sleep:1 hangup closed ||
	e2e_fail "baresip's call did not complete: $(tail -n 5 "$E2E_TMP/ctl_tcp.out")"
e2e_sipp_wait callee
e2e_expect_calls callee 1
grep -q 'auth: failed' "$E2E_TMP/proxy.log" &&
	e2e_fail "the proxy logged a failed authentication: $(grep 'auth: failed' "$E2E_TMP/proxy.log")"
e2e_expect_proxy_alive

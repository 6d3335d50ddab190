#!/bin/sh
# Module settings out of range (tests/e2e/settings_range.sip): the proxy
# starts, logs each one with its name, value and range and the default it
# uses instead; a REGISTER asking for more than the default
# registrar.max_expires (86400 s) is granted that, not the -5 of the
# policy nor "no maximum".
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports PROXY
e2e_build tests/e2e/settings_range.sip
e2e_start_proxy "$PROXY" --db "sqlite:$E2E_TMP/range.db"
e2e_wait_log "listening on udp:127.0.0.1:$PROXY" 20 "the proxy did not start listening"

python3 - "$E2E_SRC" "$PROXY" <<'PY' || e2e_fail "see the checks above"
import sys
sys.path.insert(0, sys.argv[1])
import sip_phone as sp
sp.setup(sys.argv[2], domain="127.0.0.1")
dave = sp.bound()
reg = sp.Request("REGISTER", "sip:127.0.0.1", dave, "dave@127.0.0.1", to="sip:dave@127.0.0.1",
                 extra="Expires: 100000\r\n")
reg.send()
rs = [r for r in reg.replies(5.0) if r.startswith("SIP/2.0 200 ")]
contact = sp.header(rs[0], "Contact") if rs else None
sp.check("REGISTER granted registrar.max_expires's default",
         contact is not None and contact.endswith(";expires=86400"), rs[:1])
sys.exit(sp.result())
PY
e2e_expect_proxy_alive

log=$E2E_TMP/proxy.log
for line in \
	"tm: fr_inv_timer = 0 is out of range (1..86400000); using 180000" \
	"db: change_interval = -1 is out of range (0..3600000); using 1000" \
	"registrar: max_expires = -5 is out of range (0..2147483647); using 86400" \
	"nat: ping_interval = 3601 is out of range (0..3600); using 0" \
	"dialog: default_timeout = 0 is out of range (1..2147483647); using 43200" \
	"acc: queue_max = 0 is out of range (1..10000000); using 10000" \
	"auth: nonce_expire = 0 is out of range (1..2147483647); using 30" \
	"http: max_requests = 0 is out of range (1..100000); using 512" \
	"rtpengine: timeout = 0 is out of range (1..60000); using 500" \
	"dispatcher: reload_interval = 86401 is out of range (0..86400); using 10" \
	"dispatcher: inactive_threshold = 0 is out of range (1..1000); using 3" \
	"dispatcher: probing_mode = 2 is out of range (0..1); using 1" \
	"drouting: ping_timeout = 5 is out of range (10..600000); using 3000" \
	"ratelimit: max_pipes = 0 is out of range (1..16777216); using 10000" \
	"sst: interval = -1 is out of range (0..86400); using 1800" \
	"siptrace: capture_id = -1 is out of range (0..4294967295); using 1" \
	"uac: reg_retry = 0 is out of range (1..86400); using 30"; do
	grep -qF "warn: $line" "$log" || e2e_fail "no log line '$line'"
done

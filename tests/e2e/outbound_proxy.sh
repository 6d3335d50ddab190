#!/bin/sh
# Phones that have the proxy as their outbound proxy, through
# examples/residential.sip: their new requests preload
# "Route: <sip:PROXY;lr>" (what linphone does; linphone.sh runs linphonec
# itself). The proxy must take that Route as its own (RFC 3261 16.4) and
# route the request like any other: one challenge, then the lookup of the
# callee, never a copy of the request sent to itself.
#  1. carol and dave register (sipp, reg_auth.xml).
#  2. alice calls carol with the preloaded Route (uac_route_auth.xml): one
#     407, then the call reaches carol's sipp UAS (uas_nocreds.xml), whose
#     INVITE, ACK and BYE carry no Authorization or Proxy-Authorization
#     (alice sends her credentials on all three, as linphone does); the
#     call leaves no row in missed_calls.
#  3. alice calls dave, who answers 503 (uas_503.xml): alice gets the 500
#     the proxy makes of it (RFC 3261 16.7) with the proxy's own reason
#     phrase, "Server Internal Error" (uac_route_500.xml).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 sqlite3
e2e_ctl_init
e2e_subscribers alice carol dave

e2e_ports GW PROXY UAC CAROL DAVE
e2e_build examples/residential.sip -D "PSTN_GATEWAY=sip:127.0.0.1:$GW"
e2e_start_proxy "$PROXY" --db "$DB"

# 1. The callees register.
for who in carol:$CAROL dave:$DAVE; do
	user=${who%%:*} uport=${who#*:}
	e2e_sipp_register "reg_$user" "$user" "$uport" "$uport"
done

# 2. alice -> carol with the preloaded Route.
e2e_sipp carol -sf "$E2E_SRC/uas_nocreds.xml" -i 127.0.0.1 -p "$CAROL" -m 1 -timeout 20s
e2e_wait_sipp_up carol "$CAROL"
e2e_sipp_run alice -sf "$E2E_SRC/uac_route_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s alice -au alice -ap alice-secret -key callee carol -m 1 -timeout 15s \
	-timeout_error
e2e_expect_calls alice 1
e2e_sipp_wait carol
e2e_expect_calls carol 1
missed=$(sqlite3 "${DB#sqlite:}" "SELECT count(*) FROM missed_calls")
[ "$missed" = 0 ] || e2e_fail "the completed call left $missed rows in missed_calls"

# 3. alice -> dave, who answers 503.
e2e_sipp dave -sf "$E2E_SRC/uas_503.xml" -i 127.0.0.1 -p "$DAVE" -m 1 -timeout 20s
e2e_wait_sipp_up dave "$DAVE"
e2e_sipp_run alice500 -sf "$E2E_SRC/uac_route_500.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s alice -au alice -ap alice-secret -key callee dave -m 1 -timeout 15s \
	-timeout_error
e2e_expect_calls alice500 1
e2e_sipp_wait dave
e2e_expect_calls dave 1
e2e_expect_proxy_alive

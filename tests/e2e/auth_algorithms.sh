#!/bin/sh
# The digest algorithms a challenge offers (auth.algorithms) and those
# credentials are accepted for, with a client that computes either
# (digest_reg.py; sipp knows only MD5):
#  1. The default offers MD5 alone; MD5 credentials register, SHA-256 ones
#     are refused (a notice line says why).
#  2. "SHA-256,MD5" offers both, SHA-256 first; credentials of either
#     register.
#  3. "SHA-256" offers SHA-256 alone; MD5 credentials are refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3
e2e_ctl_init
e2e_subscribers alice

e2e_ports PROXY
# try ALGORITHM EXPECTED_OFFER EXPECTED_STATUS
try() {
	python3 "$E2E_SRC/digest_reg.py" "$PROXY" alice alice-secret voip.example.com "$1" \
		>"$E2E_TMP/try.out" 2>&1 || e2e_fail "digest_reg.py $1 failed: $(cat "$E2E_TMP/try.out")"
	grep -qx "offered: $2" "$E2E_TMP/try.out" ||
		e2e_fail "expected the challenges to offer $2: $(cat "$E2E_TMP/try.out")"
	grep -qx "status: $3" "$E2E_TMP/try.out" ||
		e2e_fail "expected $3 for $1 credentials: $(cat "$E2E_TMP/try.out")"
}
# proxy_with SETTING_LINE: the auth_registrar policy with that line added.
proxy_with() {
	[ -n "${PROXY_PID:-}" ] && e2e_kill "$PROXY_PID"
	{ printf '%s\n' "$1"; cat "$top_srcdir/tests/e2e/auth_registrar.sip"; } >"$E2E_TMP/policy.sip"
	e2e_build "$E2E_TMP/policy.sip"
	e2e_start_proxy "$PROXY" --db "$DB"
}

# 1. Default.
proxy_with ""
try MD5 MD5 200
try SHA-256 MD5 401
grep -q "^notice: auth: failed: src=127.0.0.1:[0-9]* transport=udp method=REGISTER reason=\"algorithm SHA-256 not offered\" user=\"alice\" realm=\"voip.example.com\"$" \
	"$E2E_TMP/proxy.log" || e2e_fail "no log line for the SHA-256 credentials"

# 2. Both, SHA-256 first.
proxy_with 'use auth { algorithms = "SHA-256,MD5"; }'
try SHA-256 SHA-256,MD5 200
try MD5 SHA-256,MD5 200

# 3. SHA-256 alone.
proxy_with 'use auth { algorithms = "SHA-256"; }'
try SHA-256 SHA-256 200
try MD5 SHA-256 401
e2e_expect_proxy_alive

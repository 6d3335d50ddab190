#!/bin/sh
# Every policy in examples/ (DSL and YAML) passes "sipcc check" without a single diagnostic,
# compiles to a proxy, and the proxy answers --help and --version.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init none

n=0
for policy in "$top_srcdir"/examples/*.sip "$top_srcdir"/examples/*.yaml; do
	[ -e "$policy" ] || continue
	# NAME.test.yaml beside a policy holds its test cases (sipcc test).
	case $policy in *.test.yaml) continue ;; esac
	name=$(basename "$policy")
	"$SIPCC" check "$policy" >"$E2E_TMP/$name.check" 2>&1 || {
		cat "$E2E_TMP/$name.check" >&2
		e2e_fail "sipcc check $name failed"
	}
	if [ -s "$E2E_TMP/$name.check" ]; then
		cat "$E2E_TMP/$name.check" >&2
		e2e_fail "sipcc check $name printed diagnostics"
	fi
	# -Werror: warnings count too.
	"$SIPCC" check -Werror "$policy" >/dev/null 2>&1 ||
		e2e_fail "sipcc check -Werror $name failed"

	"$SIPCC" build "$policy" -o "$E2E_TMP/$name" >"$E2E_TMP/$name.build" 2>&1 || {
		cat "$E2E_TMP/$name.build" >&2
		e2e_fail "sipcc build $name failed"
	}
	[ -x "$E2E_TMP/$name" ] || e2e_fail "sipcc build $name made no executable"
	"$E2E_TMP/$name" --help >/dev/null 2>&1 </dev/null ||
		e2e_fail "proxy from $name: --help failed"
	"$E2E_TMP/$name" --version >/dev/null 2>&1 </dev/null ||
		e2e_fail "proxy from $name: --version failed"
	e2e_log "ok $name"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || e2e_fail "no examples found in $top_srcdir/examples"

# The provider accounting to RADIUS instead of the database: one define.
"$SIPCC" check "$top_srcdir/examples/provider.sip" -D ACC_RADIUS=1 -Werror \
	>"$E2E_TMP/provider-radius.check" 2>&1 || {
	cat "$E2E_TMP/provider-radius.check" >&2
	e2e_fail "sipcc check -D ACC_RADIUS=1 provider.sip failed"
}
"$SIPCC" build "$top_srcdir/examples/provider.sip" -D ACC_RADIUS=1 \
	-o "$E2E_TMP/provider-radius" >"$E2E_TMP/provider-radius.build" 2>&1 || {
	cat "$E2E_TMP/provider-radius.build" >&2
	e2e_fail "sipcc build -D ACC_RADIUS=1 provider.sip failed"
}

# The provider as one of several proxies sharing a store: defines only.
"$SIPCC" check "$top_srcdir/examples/provider.sip" -Werror -D STORE=redis://127.0.0.1:6379/0 \
	-D NODE=edge-b -D "SERVICE=sip:sip.example.com;lr" -D AUTH_SECRET=s3cret \
	>"$E2E_TMP/provider-cluster.check" 2>&1 || {
	cat "$E2E_TMP/provider-cluster.check" >&2
	e2e_fail "sipcc check -D STORE=... provider.sip failed"
}
"$SIPCC" build "$top_srcdir/examples/provider.sip" -D STORE=redis://127.0.0.1:6379/0 \
	-D NODE=edge-b -D "SERVICE=sip:sip.example.com;lr" -D AUTH_SECRET=s3cret \
	-o "$E2E_TMP/provider-cluster" >"$E2E_TMP/provider-cluster.build" 2>&1 || {
	cat "$E2E_TMP/provider-cluster.build" >&2
	e2e_fail "sipcc build -D STORE=... provider.sip failed"
}

# A define can be overridden on the command line.
"$SIPCC" build "$top_srcdir/examples/minimal.sip" -D NEXT_HOP=sip:192.0.2.1:5060 \
	-o "$E2E_TMP/minimal-d" >"$E2E_TMP/minimal-d.build" 2>&1 ||
	e2e_fail "sipcc build -D NEXT_HOP=... failed"

#!/bin/sh
# The web panel's systemd unit (systemd/sipcc-web.service.in, installed by
# make install) passes systemd-analyze verify with no output at all
# (unknown keys are only warnings) with sipcc-web where its ExecStart
# looks; the options of its ExecStart are ones sipcc-web takes (it starts
# with them and answers on the address), and every option of
# sipcc-web --help is in sipcc-web(8).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init curl
WEB_BIN=${SIPCC_WEB:-$top_builddir/sipcc-web}
[ -x "$WEB_BIN" ] || e2e_error "sipcc-web not found: SIPCC_WEB=$WEB_BIN"
UNIT_IN=$top_srcdir/systemd/sipcc-web.service.in

for opt in $("$WEB_BIN" --help | grep -o -e '--[a-z-]*' | sort -u); do
	esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	grep -q -e "$esc" "$top_srcdir/man/sipcc-web.8" ||
		e2e_fail "option $opt of --help is not in sipcc-web(8)"
done

if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$E2E_TMP/unit"
	sed "s|@bindir@|$E2E_TMP/unit|" "$UNIT_IN" >"$E2E_TMP/unit/sipcc-web.service"
	cp "$WEB_BIN" "$E2E_TMP/unit/sipcc-web"
	systemd-analyze verify --man=no "$E2E_TMP/unit/sipcc-web.service" >"$E2E_TMP/verify.out" 2>&1 ||
		e2e_fail "systemd-analyze verify failed: $(cat "$E2E_TMP/verify.out")"
	[ ! -s "$E2E_TMP/verify.out" ] || e2e_fail "systemd-analyze verify: $(cat "$E2E_TMP/verify.out")"
else
	e2e_log "systemd-analyze not found: unit not verified"
fi

# The unit's command line, on a free port, in a directory standing for
# /var/lib/sipcc (its WorkingDirectory: the default database is there).
e2e_ports WEB
cmd=$(sed -n 's|^ExecStart=@bindir@/sipcc-web ||p' "$UNIT_IN" | sed "s|127.0.0.1:8080|127.0.0.1:$WEB|; s|\$SIPCC_WEB_OPTS||")
mkdir "$E2E_TMP/state"
# shellcheck disable=SC2086
(cd "$E2E_TMP/state" && exec "$WEB_BIN" $cmd) >"$E2E_TMP/web.out" 2>&1 </dev/null &
e2e_track "$!"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB/login")" = 200 ]; do
	[ $i -ge 50 ] && e2e_fail "sipcc-web started as the unit starts it does not answer: $(cat "$E2E_TMP/web.out")"
	sleep 0.1; i=$((i + 1))
done
[ -f "$E2E_TMP/state/sipcc.db" ] || e2e_fail "the default database is not in the working directory"
